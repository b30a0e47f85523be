import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

export interface ParsedCommandArgs<T extends OptionsConfig> {
  values: ReturnType<
    typeof parseArgs<{ options: T & typeof helpOption; allowPositionals: true }>
  >['values'];
  positionals: string[];
}

/**
 * `node:util` parseArgs in strict mode, with `-h/--help` on every command. Its errors (unknown
 * option, missing value, option given a value it does not take) become usage errors.
 * A `--` ends the options, so keys that start with a dash can still be named.
 */
export function parseCommandArgs<T extends OptionsConfig>(
  command: string,
  argv: string[],
  options: T,
): ParsedCommandArgs<T> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, ...helpOption },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals } as ParsedCommandArgs<T>;
  } catch (err) {
    if (isParseArgsError(err)) throw new UsageError(err.message, command);
    throw err;
  }
}

function isParseArgsError(err: unknown): err is Error {
  return (
    err instanceof Error && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')
  );
}

/** Checks the positional arguments against their names, e.g. ['FILE', 'KEY']. */
export function expectPositionals(
  command: string,
  positionals: string[],
  names: string[],
): string[] {
  if (positionals.length < names.length) {
    const missing = names.slice(positionals.length).join(' ');
    throw new UsageError(`${command}: missing ${missing}`, command);
  }
  if (positionals.length > names.length) {
    const extra = positionals
      .slice(names.length)
      .map((p) => JSON.stringify(p))
      .join(' ');
    throw new UsageError(`${command}: unexpected argument ${extra}`, command);
  }
  return positionals;
}

/** A whole number option within bounds; parseArgs only gives strings. */
export function integerOption(
  command: string,
  flag: string,
  raw: string | undefined,
  { min, fallback }: { min: number; fallback: number },
): number {
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(
      `${command}: --${flag} must be a whole number >= ${min}, got ${JSON.stringify(raw)}`,
      command,
    );
  }
  return value;
}

/** A string option restricted to a few choices. */
export function choiceOption<C extends string>(
  command: string,
  flag: string,
  raw: string | undefined,
  choices: readonly C[],
  fallback: C,
): C {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(
      `${command}: --${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`,
      command,
    );
  }
  return raw as C;
}
