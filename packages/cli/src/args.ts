import type { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { type OptionsConfig, parseOptions } from './parse-options.js';

const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

export interface ParsedCommandArgs<T extends OptionsConfig> {
  values: ReturnType<
    typeof parseArgs<{ options: T & typeof helpOption; allowPositionals: true }>
  >['values'];
  positionals: string[];
}

/**
 * The command's options plus `-h/--help`; a bad option is a usage error pointing at the
 * command's help. A `--` ends the options, so keys that start with a dash can still be named.
 */
export function parseCommandArgs<T extends OptionsConfig>(
  command: string,
  argv: string[],
  options: T,
): ParsedCommandArgs<T> {
  // parseOptions has checked every option against its type: the values are what T says.
  return parseOptions(argv, { ...options, ...helpOption }, command) as ParsedCommandArgs<T>;
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
