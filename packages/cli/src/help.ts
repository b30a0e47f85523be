import { commands } from './commands/index.js';
import { UsageError } from './errors.js';

export function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.synopsis.split(' [')[0]!.length));
  return [
    'fastmmap: inspect and maintain a fastmmap cache file (shared sessions in a memory-mapped file)',
    '',
    'Usage: fastmmap <command> FILE [options]   (copy: fastmmap copy FROM TO [options])',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.synopsis.split(' [')[0]!.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help; `fastmmap help <command>` or `fastmmap <command> --help`',
    '                 for a command',
    '  -v, --version  print the version',
    '',
    'stats, keys, get, watch and verify open the file read-only; copy reads FROM read-only and',
    'is the only command that creates a file: TO, which must not exist.',
    '',
    'Exit codes:',
    '  0  success',
    '  1  error (missing file, permission denied, lock timeout, undecodable value...)',
    '  2  usage error (unknown command or option, missing argument, clear without --yes, bad copy size)',
    '  3  not a fastmmap cache file, or one of another format version',
    '  4  key not found (get, delete)',
    '  5  verify found damaged records or pages (purge: some remain)',
    '  6  copy left items out (too large for the new pages, or no room); the new file is kept',
    "  7  verify found a page lock kept by a stopped, traced or frozen process (apps' writes to its pages fail)",
    '',
  ].join('\n');
}

/**
 * `fastmmap help [COMMAND]`, as git and npm have it: the same pages as `--help`. Anything after
 * the command name is left alone, as `fastmmap <command> --help` does.
 */
export function helpPageFor(args: readonly string[]): string {
  const [name] = args;
  if (name === undefined || name === 'help' || name.startsWith('-')) return topLevelHelp();
  const command = commands.find((c) => c.name === name);
  if (!command) throw new UsageError(`help: unknown command ${JSON.stringify(name)}`);
  return command.help;
}
