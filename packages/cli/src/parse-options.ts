import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { safeText } from './format.js';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

type LooseConfig = { options: OptionsConfig; strict: false; allowPositionals: true; tokens: true };
type Token = ReturnType<typeof parseArgs<LooseConfig>>['tokens'][number];
type OptionToken = Extract<Token, { kind: 'option' }>;

// `--limit -1` reads as a value: the option's own check then says what is wrong with it.
const negativeNumber = /^-\d/;

export interface ParsedOptions {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * `node:util` parseArgs, checked here rather than in its strict mode: strict mode's messages
 * are long (one quotes its example wrongly), and it refuses `--limit -1` as "ambiguous" before
 * the option's own range check can run. Unknown options, missing values and values given to
 * flags are usage errors; `command` prefixes the message. `--` ends the options.
 */
export function parseOptions(
  argv: readonly string[],
  options: OptionsConfig,
  command?: string,
): ParsedOptions {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const problem = optionProblem(token, options);
    if (problem) throw new UsageError(command ? `${command}: ${problem}` : problem, command);
  }
  return { values, positionals };
}

function optionProblem(token: OptionToken, options: OptionsConfig): string | undefined {
  const flag = safeText(token.rawName);
  const type = Object.hasOwn(options, token.name) ? options[token.name]?.type : undefined;
  if (type === undefined) return `unknown option ${flag}`;
  if (type === 'boolean') return token.value === undefined ? undefined : `${flag} takes no value`;
  if (token.value === undefined) return `${flag} needs a value`;
  // `--prefix --json` is more likely a forgotten value than a prefix of "--json".
  if (!token.inlineValue && token.value.startsWith('-') && !negativeNumber.test(token.value)) {
    return `${flag} needs a value; for one that starts with a dash, write ${flag}=${safeText(token.value)}`;
  }
  return undefined;
}
