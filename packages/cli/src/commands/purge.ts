import type { VerifyReport } from '@fastmmap/session-core/cache';
import { expectPositionals, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatCount } from '../format.js';
import { writeLine } from '../io.js';
import { formatJson } from '../json-output.js';
import { withCache } from '../open-cache.js';

/** What verify counts, and so what purge repairs. */
type Damage = Pick<VerifyReport, 'badRecords' | 'tornPages' | 'badPages'>;

const damageOf = ({ badRecords, tornPages, badPages }: VerifyReport): Damage => ({
  badRecords,
  tornPages,
  badPages,
});

const describeDamage = (d: Damage): string =>
  `${formatCount(d.badRecords)} bad records, ${formatCount(d.tornPages)} torn pages, ${formatCount(d.badPages)} bad pages`;

const name = 'purge';
const synopsis = 'purge FILE [--json]';

export const purgeCommand: Command = {
  name,
  synopsis,
  summary: 'remove the expired items, repair what verify finds',
  help: helpPage({
    synopsis,
    description:
      'Removes every expired item, page by page under each page lock, while the apps keep\n' +
      'running. Live items are not touched. On the way it repairs what verify reports: torn\n' +
      'pages, bad pages and bad records (only what fails its checks is dropped), and says so.\n' +
      'Exits with 5 if verify still finds something afterwards. With --json prints\n' +
      '{ removed, repaired: { badRecords, tornPages, badPages }, ok }.',
    options: [jsonOption],
    examples: ['fastmmap purge sessions.fmcache'],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, { json: { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [file] = expectPositionals(name, positionals, ['FILE']);
    // verify before and after: the operator learns what was repaired, and whether it all was.
    const { removed, before, after } = await withCache(file!, 'write', (cache) => {
      const before = cache.verify();
      const removed = cache.purge();
      return { removed, before, after: before.ok ? before : cache.verify() };
    });
    const repaired = damageOf(before);
    if (values.json) {
      writeLine(io.stdout, formatJson({ removed, repaired, ok: after.ok }));
    } else {
      writeLine(
        io.stdout,
        `removed ${formatCount(removed)} expired item${removed === 1 ? '' : 's'}`,
      );
      if (!before.ok) writeLine(io.stdout, `repaired ${describeDamage(repaired)}`);
    }
    if (after.ok) return ExitCode.ok;
    // Damage that appeared meanwhile, or that a rebuild cannot clear: say so, as verify would.
    writeLine(
      io.stderr,
      `fastmmap: after purge, verify still finds ${describeDamage(damageOf(after))}; run fastmmap verify ${file}`,
    );
    return ExitCode.verifyFailed;
  },
};
