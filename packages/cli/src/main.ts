import type { FastMmapError } from '@fastmmap/session-core/cache';
import { commands } from './commands/index.js';
import { CliError, UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { type CliIo, processIo, writeLine } from './io.js';
import { parseOptions } from './parse-options.js';
import { cliVersion } from './version.js';

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.synopsis.split(' [')[0]!.length));
  return [
    'fastmmap: inspect and maintain a fastmmap cache file (shared sessions in a memory-mapped file)',
    '',
    'Usage: fastmmap <command> FILE [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.synopsis.split(' [')[0]!.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help; `fastmmap <command> --help` for a command',
    '  -v, --version  print the version',
    '',
    'stats, keys, get, watch and verify open the file read-only; no command creates a file.',
    '',
    'Exit codes:',
    '  0  success',
    '  1  error (missing file, permission denied, lock timeout, undecodable value...)',
    '  2  usage error (unknown command or option, missing argument, clear without --yes)',
    '  3  not a fastmmap cache file, or one of another format version',
    '  4  key not found (get, delete)',
    '  5  verify found damaged records or pages',
    '',
  ].join('\n');
}

// Cache errors that mean "this file is not something we can read".
const notACacheFileCodes = new Set(['ERR_FASTMMAP_NOT_A_CACHE_FILE', 'ERR_FASTMMAP_VERSION']);

/** By shape, not instanceof: the cache module is loaded lazily and may not be loaded at all. */
function isCacheError(err: unknown): err is FastMmapError {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'string' &&
    err.name === 'FastMmapError'
  );
}

/** One line on stderr and the exit code; a stack trace only with FASTMMAP_DEBUG=1. */
function report(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    writeLine(io.stderr, `fastmmap: ${err.message}`);
    const help = err.command ? `fastmmap ${err.command} --help` : 'fastmmap --help';
    writeLine(io.stderr, `Run '${help}' for usage.`);
    return err.exitCode;
  }
  if (process.env.FASTMMAP_DEBUG === '1' && err instanceof Error) writeLine(io.stderr, err.stack);
  if (err instanceof CliError) {
    writeLine(io.stderr, `fastmmap: ${err.message}`);
    return err.exitCode;
  }
  if (isCacheError(err)) {
    writeLine(io.stderr, `fastmmap: ${err.message} (${err.code})`);
    return notACacheFileCodes.has(err.code) ? ExitCode.notACacheFile : ExitCode.error;
  }
  const message = err instanceof Error ? err.message : String(err);
  writeLine(io.stderr, `fastmmap: ${message.split('\n')[0]}`);
  return ExitCode.error;
}

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first.startsWith('-')) {
      const { values } = parseGlobal(argv);
      if (values.version) {
        writeLine(io.stdout, cliVersion());
        return ExitCode.ok;
      }
      // Asked for: stdout and success. Bare `fastmmap`: a usage error, so stderr.
      if (values.help) {
        io.stdout.write(topLevelHelp());
        return ExitCode.ok;
      }
      io.stderr.write(topLevelHelp());
      return ExitCode.usage;
    }
    const command = commands.find((c) => c.name === first);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
    return await command.run(rest, io);
  } catch (err) {
    return report(err, io);
  }
}

/** `fastmmap --help` / `--version`: options only, no command. */
function parseGlobal(argv: readonly string[]) {
  const { values, positionals } = parseOptions(argv, {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  });
  const [extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  return { values };
}
