/** Number and text formatting shared by the human-readable outputs. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1);
}

/** "1h 2m", "3m 4s", "5s": the two most significant units. */
export function formatDuration(ms: number): string {
  let s = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  const parts: Array<[number, string]> = [
    [days, 'd'],
    [hours, 'h'],
    [minutes, 'm'],
    [s, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

/** "2026-11-26T12:00:00.000Z (in 5m 3s)" or "(... ago)". */
export function formatInstant(ms: number, now: number): string {
  const when = new Date(ms).toISOString();
  const delta = ms - now;
  return delta >= 0
    ? `${when} (in ${formatDuration(delta)})`
    : `${when} (${formatDuration(delta)} ago)`;
}

// What cache content must not print raw: it could drive the user's terminal (C0, DEL, C1:
// U+009B is a one-byte CSI) or reorder what it shows (line and paragraph separators; bidi
// marks, embeddings, overrides and isolates). ABOVE_C0 is all but C0: JSON.stringify and
// util.inspect escape C0 themselves (their newlines and inspect's colours are their own).
const ABOVE_C0 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[\\u0000-\\u001f${ABOVE_C0}]`);
const UNSAFE_ABOVE_C0 = new RegExp(`[${ABOVE_C0}]`, 'g');

/**
 * Text from JSON.stringify or util.inspect (coloured or not) of cache content, with the
 * controls they leave raw written as \\u escapes: JSON stays valid and parses back the same.
 */
export function escapeControls(text: string): string {
  return text.replace(
    UNSAFE_ABOVE_C0,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Text from the cache file, printed as-is unless it holds control characters (then quoted). */
export function safeText(text: string): string {
  return UNSAFE.test(text) ? escapeControls(JSON.stringify(text)) : text;
}
