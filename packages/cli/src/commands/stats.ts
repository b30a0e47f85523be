import { expectPositionals, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { styleFor, writeLine } from '../io.js';
import { itemCensus } from '../item-census.js';
import { formatJson } from '../json-output.js';
import { heldLockReports } from '../lock-report.js';
import { withCache } from '../open-cache.js';
import { loadSizeAdvisor } from '../size-advice.js';
import { renderStats, statsJson } from '../stats-report.js';

const name = 'stats';
const synopsis = 'stats FILE [--json]';

export const statsCommand: Command = {
  name,
  synopsis,
  summary: 'geometry, page fill histogram, hits, misses, evictions, repairs',
  help: helpPage({
    synopsis,
    description:
      'Shows the geometry of a cache file, how full its pages are, and the counters kept in\n' +
      'the file by every process that uses it. Of the items, says how many are expired (apps\n' +
      'remove those when they need the room, purge at once; keys does not list them) and how\n' +
      'many are tombstones that destroyed sessions leave for a few minutes. With --json these\n' +
      'are expiredItems and sessionTombstones. After evictions of unexpired items, says what\n' +
      "cacheSize would have kept them (the figure of the apps' pressure warning; sizeSuggestion\n" +
      'in --json). Reports a page lock that one process keeps (stopped, frozen, stuck), which\n' +
      "makes the apps' writes to its pages wait and fail, with that process and what to do\n" +
      '(heldLocks in --json). Opens the file read-only.',
    options: [jsonOption],
    examples: [
      'fastmmap stats /tmp/fastmmap-1000/shop.v2.fmcache',
      'fastmmap stats sessions.fmcache --json | jq .hitRatio',
    ],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, { json: { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [file] = expectPositionals(name, positionals, ['FILE']);
    const now = Date.now();
    const { stats, census, heldLocks } = await withCache(
      file!,
      'read',
      async (cache, codec) => ({
        stats: cache.stats(),
        census: await itemCensus(cache, codec, now),
        heldLocks: await heldLockReports(cache, cache.path),
      }),
      { includeExpired: true },
    );
    const sizing = (await loadSizeAdvisor())(stats, census);
    if (values.json) {
      writeLine(io.stdout, formatJson(statsJson(stats, { census, sizing, heldLocks })));
    } else {
      const extras = { census, sizing, heldLocks };
      for (const line of renderStats(stats, styleFor(io.stdout), now, extras))
        writeLine(io.stdout, line);
    }
    return ExitCode.ok;
  },
};
