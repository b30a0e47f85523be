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

/**
 * C0, DEL, C1 and bidi controls: cache content must not be able to drive the user's terminal
 * (escape sequences) or reorder what it shows (bidi overrides).
 */
function isUnsafe(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * Text made by util.inspect from cache content, with the controls it leaves as they are
 * (bidi, line and paragraph separators; it escapes C0 and C1 itself) written as \\u escapes.
 * Its own colour codes stay, so this works on coloured output too.
 */
export function escapeInspected(text: string): string {
  return text.replace(
    /[\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Text from the cache file, printed as-is unless it holds control characters (then quoted). */
export function safeText(text: string): string {
  let unsafe = false;
  for (let i = 0; i < text.length && !unsafe; i++) unsafe = isUnsafe(text.charCodeAt(i));
  if (!unsafe) return text;
  let quoted = '';
  for (const char of JSON.stringify(text)) {
    const code = char.charCodeAt(0);
    quoted += isUnsafe(code) ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return quoted;
}
