import { expectPositionals, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { styleFor, writeLine } from '../io.js';
import { formatJson } from '../json-output.js';
import { withCache } from '../open-cache.js';
import { countTombstones } from '../session-tombstone.js';
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
      'the file by every process that uses it, and how many items are tombstones that destroyed\n' +
      'sessions leave for a few minutes. Opens the file read-only.',
    options: [jsonOption],
    examples: [
      'fastmmap stats /tmp/fastmmap-1000/shop.fmcache',
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
    const { stats, tombstones } = await withCache(file!, 'read', async (cache, codec) => ({
      stats: cache.stats(),
      tombstones: await countTombstones(cache, codec),
    }));
    if (values.json) {
      writeLine(io.stdout, formatJson(statsJson(stats, tombstones)));
    } else {
      for (const line of renderStats(stats, styleFor(io.stdout), Date.now(), tombstones))
        writeLine(io.stdout, line);
    }
    return ExitCode.ok;
  },
};
