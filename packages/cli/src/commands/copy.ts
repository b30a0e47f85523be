import { resolve } from 'node:path';
import {
  byteSizeOption,
  expectPositionals,
  integerOption,
  octalModeOption,
  parseCommandArgs,
} from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { copyCacheFile } from '../copy-cache.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatCount, safeText } from '../format.js';
import { type CliIo, writeLine } from '../io.js';
import { formatJson } from '../json-output.js';

const name = 'copy';
const synopsis =
  'copy FROM TO [--cache-size BYTES | --num-pages N] [--page-size BYTES] [--lock-stripes N] [--mode OCTAL] [--salvage] [--json]';

/** How many skipped keys are named: enough to look into, never a flood. */
const NAMED_KEYS = 5;

function keyList(keys: readonly string[]): string {
  const named = keys.slice(0, NAMED_KEYS).map(safeText).join(', ');
  return keys.length > NAMED_KEYS
    ? `${named} and ${formatCount(keys.length - NAMED_KEYS)} more`
    : named;
}

/** One stderr line per reason, so the operator knows which size to raise. */
function reportSkipped(io: CliIo, tooLarge: string[], evicted: string[]): void {
  if (tooLarge.length > 0) {
    writeLine(
      io.stderr,
      `fastmmap: not copied, too large for a page of the new file: ${keyList(tooLarge)} (raise --page-size)`,
    );
  }
  if (evicted.length > 0) {
    writeLine(
      io.stderr,
      `fastmmap: not copied, evicted for lack of room in the new file: ${keyList(evicted)} (raise --cache-size or --num-pages)`,
    );
  }
}

export const copyCommand: Command = {
  name,
  synopsis,
  summary: 'copy the live items into a new file of another size',
  help: helpPage({
    synopsis,
    description:
      "A cache file's size is fixed when it is created. copy makes a new file TO of the size you\n" +
      'give and copies every live (unexpired) item of FROM into it, as stored bytes, each with\n' +
      'its expiry unchanged; TO records the codec of FROM. Expired items are left behind. What\n' +
      'you do not give is taken from FROM: --page-size alone changes the page size only (the\n' +
      'page count stays). TO must not exist (exit 1): copy never writes into a file that apps\n' +
      'may have open. FROM === TO is a usage error.\n\n' +
      'FROM is opened read-only, so apps may keep running, but what they write to FROM after\n' +
      'the copy is not in TO: stop them first, or accept losing those writes. Run copy as the\n' +
      "apps' user (FROM's owner, e.g. with sudo -u app): apps refuse a file another user owns.\n" +
      'Then point the apps at TO; or, with every app stopped, move TO over FROM (mv TO FROM).\n\n' +
      'Items larger than a page of TO, or evicted because a page of TO filled up, are not\n' +
      `copied: stderr names up to ${NAMED_KEYS} of each and copy exits with 6 (TO is kept).\n` +
      `With --json prints { copied, skipped, skippedKeys } (the first ${NAMED_KEYS} skipped keys, sorted).`,
    options: [
      [
        '--cache-size BYTES',
        'bytes of pages in TO, e.g. 268435456, 256M or 256MiB (K, M, G: x1024)',
      ],
      ['--num-pages N', "number of pages in TO, instead of --cache-size (default: FROM's)"],
      ['--page-size BYTES', "bytes per page, a multiple of 4096 up to 16M (default: FROM's)"],
      ['--lock-stripes N', "page locks the pages are spread over, 1 to 128 (default: FROM's)"],
      ['--mode OCTAL', "TO's file mode, 600 or 640 (group may read; default: FROM's)"],
      [
        '--salvage',
        "read FROM even if its header checksum is wrong, when nothing else in the header is (its geometry matches FROM's size); FROM is not written",
      ],
      jsonOption,
    ],
    examples: [
      'fastmmap copy sessions.fmcache sessions-256m.fmcache --cache-size 256M',
      'fastmmap copy sessions.fmcache sessions-big-pages.fmcache --page-size 128K --json',
      'fastmmap copy --salvage sessions.fmcache sessions-saved.fmcache',
    ],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, {
      'cache-size': { type: 'string' },
      'num-pages': { type: 'string' },
      'page-size': { type: 'string' },
      'lock-stripes': { type: 'string' },
      mode: { type: 'string' },
      salvage: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [from, to] = expectPositionals(name, positionals, ['FROM', 'TO']) as [string, string];
    if (values['cache-size'] !== undefined && values['num-pages'] !== undefined) {
      throw new UsageError(`${name}: give --cache-size or --num-pages, not both`, name);
    }
    const whole = (flag: string, raw: string | undefined) =>
      raw === undefined ? undefined : integerOption(name, flag, raw, { min: 1, fallback: 0 });
    const wanted = {
      cacheSize: byteSizeOption(name, 'cache-size', values['cache-size']),
      numPages: whole('num-pages', values['num-pages']),
      pageSize: byteSizeOption(name, 'page-size', values['page-size']),
      lockStripes: whole('lock-stripes', values['lock-stripes']),
      mode: octalModeOption(name, 'mode', values.mode, [0o600, 0o640]),
    };
    if (resolve(from) === resolve(to)) {
      throw new UsageError(`${name}: FROM and TO are the same file`, name);
    }

    const { copied, tooLarge, evicted } = await copyCacheFile(
      from,
      to,
      wanted,
      values.salvage === true,
    );
    // Sorted by code unit, as `keys` sorts: the same run names the same keys.
    tooLarge.sort();
    evicted.sort();
    const skippedKeys = [...tooLarge, ...evicted].sort();
    const skipped = skippedKeys.length;
    writeLine(
      io.stdout,
      values.json
        ? formatJson({ copied, skipped, skippedKeys: skippedKeys.slice(0, NAMED_KEYS) })
        : `copied ${formatCount(copied)} item${copied === 1 ? '' : 's'} from ${safeText(from)} to ${safeText(to)} (${formatCount(skipped)} skipped)`,
    );
    reportSkipped(io, tooLarge, evicted);
    return skipped > 0 ? ExitCode.copyIncomplete : ExitCode.ok;
  },
};
