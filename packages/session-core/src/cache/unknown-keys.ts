/** A key written back as typed, or quoted when it is not a plain identifier. */
function keyLabel(key: string): string {
  return /^[\w$]+$/.test(key) ? key : JSON.stringify(key);
}

/**
 * One "  key: hint" line per own enumerable key of `options` that is not in `known`. Options
 * nothing reads are refused rather than ignored (a path under another library's name would
 * open the default file); a key whose value is undefined counts too: it is still misspelled.
 */
export function unknownKeyLines(
  options: object,
  known: ReadonlySet<string>,
  hints: ReadonlyMap<string, string>,
  otherwise: string,
  prefix = '',
): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(options)) {
    if (!known.has(key)) lines.push(`  ${prefix}${keyLabel(key)}: ${hints.get(key) ?? otherwise}`);
  }
  return lines;
}

/** The message for unknown keys: their lines, then every option there is. */
export function unknownKeysMessage(
  where: string,
  lines: string[],
  known: Iterable<string>,
): string {
  return (
    `${where}: unknown options (refused rather than ignored):\n${lines.join('\n')}\n` +
    `options are ${[...known].join(', ')}`
  );
}
