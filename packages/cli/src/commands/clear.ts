import { expectPositionals, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatCount } from '../format.js';
import { writeLine } from '../io.js';
import { formatJson } from '../json-output.js';
import { withCache } from '../open-cache.js';

const name = 'clear';
const synopsis = 'clear FILE --yes [--json]';

export const clearCommand: Command = {
  name,
  synopsis,
  summary: 'remove every item (logs every user out); needs --yes',
  help: helpPage({
    synopsis,
    description:
      'Removes every item, live or not, for every process that shares the file: with sessions,\n' +
      'everyone is logged out. The file itself stays (others have it mapped). Refuses to run\n' +
      'without --yes (exit 2). With --json prints { cleared, items } (items held before).',
    options: [['-y, --yes', 'really remove everything'], jsonOption],
    examples: ['fastmmap clear sessions.fmcache --yes'],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, {
      yes: { type: 'boolean', short: 'y' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [file] = expectPositionals(name, positionals, ['FILE']);
    if (!values.yes) {
      throw new UsageError(`clear removes every item of ${file}; add --yes to confirm`, name);
    }
    const before = await withCache(file!, 'write', (cache) => {
      const items = cache.stats().items;
      cache.clear();
      return items;
    });
    writeLine(
      io.stdout,
      values.json
        ? formatJson({ cleared: true, items: before })
        : `cleared ${file} (${formatCount(before)} items held before)`,
    );
    return ExitCode.ok;
  },
};
