import type { CliIo } from './io.js';

/** One `fastmmap <name>` sub-command, in a file of its own under commands/. */
export interface Command {
  readonly name: string;
  /** The arguments, shown in the command list: `keys FILE [--prefix P] [--limit N]`. */
  readonly synopsis: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` page. */
  readonly help: string;
  /** Returns the exit code; throws CliError/UsageError for expected failures. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Builds a help page from its parts so every command's page has the same layout. */
export function helpPage(parts: {
  synopsis: string;
  description: string;
  options: Array<[string, string]>;
  examples: string[];
}): string {
  const all: Array<[string, string]> = [...parts.options, ['-h, --help', 'show this help']];
  const width = Math.max(...all.map(([flag]) => flag.length));
  return [
    `Usage: fastmmap ${parts.synopsis}`,
    '',
    parts.description,
    '',
    'Options:',
    ...all.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    '',
    'Examples:',
    ...parts.examples.map((example) => `  ${example}`),
    '',
  ].join('\n');
}

export const jsonOption = ['--json', 'print machine-readable JSON instead of text'] as [
  string,
  string,
];
