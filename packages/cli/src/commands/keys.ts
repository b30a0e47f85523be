import { expectPositionals, integerOption, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatCount, safeText } from '../format.js';
import { writeLine } from '../io.js';
import { formatJson } from '../json-output.js';
import { withCache } from '../open-cache.js';
import { tombstoneTest } from '../session-tombstone.js';

const name = 'keys';
const synopsis = 'keys FILE [--prefix P] [--limit N] [--json]';

export const keysCommand: Command = {
  name,
  synopsis,
  summary: 'list the live (unexpired) keys, sorted',
  help: helpPage({
    synopsis,
    description:
      'Lists the keys of the live items, sorted, one per line (keys holding control characters\n' +
      'are printed JSON-quoted). With --limit, a note on stderr tells how many were left out.\n' +
      'Tombstones that destroyed sessions leave for a few minutes are not live sessions: they\n' +
      'are left out too, with a note on stderr. Opens the file read-only.',
    options: [
      ['--prefix P', 'only keys that start with P'],
      ['--limit N', 'print at most N keys'],
      jsonOption,
    ],
    examples: [
      'fastmmap keys sessions.fmcache',
      'fastmmap keys sessions.fmcache --prefix sess: --limit 20',
      'fastmmap keys sessions.fmcache --json | jq length',
    ],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, {
      prefix: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [file] = expectPositionals(name, positionals, ['FILE']);
    const limit = integerOption(name, 'limit', values.limit, {
      min: 0,
      fallback: Number.POSITIVE_INFINITY,
    });
    const prefix = values.prefix ?? '';

    const { matching, tombstones } = await withCache(file!, 'read', async (cache, codec) => {
      const isTombstone = await tombstoneTest(codec);
      const matching: string[] = [];
      let tombstones = 0;
      for (const [key, bytes] of cache.entries()) {
        if (!key.startsWith(prefix)) continue;
        if (isTombstone(bytes)) tombstones++;
        else matching.push(key);
      }
      return { matching, tombstones };
    });
    // Code-unit order: stable across locales, the same as the JSON consumers will sort by.
    matching.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const shown = matching.slice(0, limit);

    if (values.json) {
      writeLine(io.stdout, formatJson(shown));
    } else {
      for (const key of shown) writeLine(io.stdout, safeText(key));
    }
    if (shown.length < matching.length) {
      writeLine(
        io.stderr,
        `(${formatCount(shown.length)} of ${formatCount(matching.length)} keys shown)`,
      );
    }
    if (tombstones > 0) {
      const what = tombstones === 1 ? 'tombstone' : 'tombstones';
      writeLine(io.stderr, `(${formatCount(tombstones)} destroyed-session ${what} not listed)`);
    }
    return ExitCode.ok;
  },
};
