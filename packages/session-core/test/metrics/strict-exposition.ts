/**
 * A strict checker for the text exposition format 0.0.4, independent of the renderer: the
 * npm parser used next to it is lenient about names, values and family order, this is not.
 */
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const FLOAT = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN)';
const SAMPLE = new RegExp(
  `^(${NAME})(\\{${LABEL}=${LABEL_VALUE}(?:,${LABEL}=${LABEL_VALUE})*\\})? (${FLOAT})$`,
);
const HELP = new RegExp(`^# HELP (${NAME}) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** Throws on the first violation; returns the sample lines' series identities. */
export function assertStrictExposition(text: string): string[] {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const lines = text.slice(0, -1).split('\n');
  const typed = new Map<string, string>();
  const series = new Set<string>();
  let current: string | undefined;
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    const help = HELP.exec(line);
    if (help) {
      if (typed.has(help[1]!)) throw new Error(`HELP after the family started, ${where}`);
      current = help[1];
      continue;
    }
    const type = TYPE.exec(line);
    if (type) {
      if (typed.has(type[1]!)) throw new Error(`second TYPE for a family, ${where}`);
      if (type[1] !== current) throw new Error(`TYPE without its HELP, ${where}`);
      typed.set(type[1]!, type[2]!);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a valid line, ${where}`);
    if (sample[1] !== current || !typed.has(sample[1]!)) {
      throw new Error(`sample outside its family block, ${where}`);
    }
    if (typed.get(sample[1]!) === 'counter' && !sample[1]!.endsWith('_total')) {
      throw new Error(`counter without _total suffix, ${where}`);
    }
    const identity = `${sample[1]}${sample[2] ?? ''}`;
    if (series.has(identity)) throw new Error(`duplicate series, ${where}`);
    series.add(identity);
  }
  return [...series];
}
