import { expectPositionals, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatCount } from '../format.js';
import { writeLine } from '../io.js';
import { formatJson } from '../json-output.js';
import { withCache } from '../open-cache.js';

const name = 'purge';
const synopsis = 'purge FILE [--json]';

export const purgeCommand: Command = {
  name,
  synopsis,
  summary: 'remove the expired items and print how many',
  help: helpPage({
    synopsis,
    description:
      'Removes every expired item, page by page under each page lock, while the apps keep\n' +
      'running. Live items are not touched. With --json prints { removed }.',
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
    const removed = await withCache(file!, 'write', (cache) => cache.purge());
    writeLine(
      io.stdout,
      values.json
        ? formatJson({ removed })
        : `removed ${formatCount(removed)} expired item${removed === 1 ? '' : 's'}`,
    );
    return ExitCode.ok;
  },
};
