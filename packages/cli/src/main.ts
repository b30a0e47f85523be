import { isCacheError } from './cache-error.js';
import { commands } from './commands/index.js';
import { CliError, UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { helpPageFor, topLevelHelp } from './help.js';
import { type CliIo, processIo, writeLine } from './io.js';
import { parseOptions } from './parse-options.js';
import { cliVersion } from './version.js';

// Cache errors that mean "this file is not something we can read".
const notACacheFileCodes = new Set(['ERR_FASTMMAP_NOT_A_CACHE_FILE', 'ERR_FASTMMAP_VERSION']);

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
    if (first === 'help') {
      io.stdout.write(helpPageFor(rest));
      return ExitCode.ok;
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
