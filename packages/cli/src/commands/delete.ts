import { expectPositionals, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { safeText } from '../format.js';
import { writeLine } from '../io.js';
import { formatJson } from '../json-output.js';
import { withCache } from '../open-cache.js';
import { sessionKeyHint } from '../session-key-hint.js';

const name = 'delete';
const synopsis = 'delete FILE KEY [--json]';

export const deleteCommand: Command = {
  name,
  synopsis,
  summary: 'delete one key (e.g. end one session)',
  help: helpPage({
    synopsis,
    description:
      'Deletes KEY from the cache, for every process that shares the file. Exits with 4 when\n' +
      'the key was not there (with --json, prints { key, deleted: false } first).',
    options: [jsonOption],
    examples: [
      'fastmmap delete sessions.fmcache sess:4kq2v9',
      'fastmmap delete cache.fmcache -- -key-with-dash',
    ],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, { json: { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [file, key] = expectPositionals(name, positionals, ['FILE', 'KEY']);
    const { deleted, hint } = await withCache(file!, 'write', (cache) => {
      const deleted = cache.delete(key!);
      return { deleted, hint: deleted ? '' : sessionKeyHint(key!, (k) => cache.has(k)) };
    });
    if (values.json) {
      writeLine(io.stdout, formatJson({ key, deleted }));
      return deleted ? ExitCode.ok : ExitCode.notFound;
    }
    if (!deleted) throw new CliError(`key not found: ${safeText(key!)}${hint}`, ExitCode.notFound);
    writeLine(io.stdout, `deleted ${safeText(key!)}`);
    return ExitCode.ok;
  },
};
