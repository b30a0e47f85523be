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

const BINARY_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * A size in bytes: a whole number, or one with K, M or G (KiB, MiB, GiB: powers of 1024, as
 * `stats` prints sizes). "MB" is refused rather than guessed at (1000² or 1024²?).
 */
export function byteSizeOption(
  command: string,
  flag: string,
  raw: string | undefined,
): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+)(?:([kmg])(?:ib)?)?$/i.exec(raw);
  const value = match ? Number(match[1]) * (BINARY_UNITS[match[2]?.toLowerCase() ?? ''] ?? 1) : 0;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(
      `${command}: --${flag} must be a number of bytes >= 1, optionally with K, M or G (powers of 1024), got ${JSON.stringify(raw)}`,
      command,
    );
  }
  return value;
}

/** A file mode written in octal, as chmod takes it: 640, 0640 or 0o640. */
export function octalModeOption(
  command: string,
  flag: string,
  raw: string | undefined,
  allowed: readonly number[],
): number | undefined {
  if (raw === undefined) return undefined;
  const digits = /^(?:0o?)?([0-7]{3})$/i.exec(raw)?.[1];
  const mode = digits === undefined ? Number.NaN : Number.parseInt(digits, 8);
  if (!allowed.includes(mode)) {
    const choices = allowed.map((m) => m.toString(8).padStart(4, '0')).join(' or ');
    throw new UsageError(
      `${command}: --${flag} must be ${choices}, got ${JSON.stringify(raw)}`,
      command,
    );
  }
  return mode;
}
