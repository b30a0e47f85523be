import { escapeControls } from './format.js';

/**
 * Turns a decoded value into something JSON.stringify renders faithfully, for `--json`:
 * Dates become ISO strings (as toJSON does), bytes become { "$bytes": base64 }, Maps become
 * objects, Sets arrays, bigints strings, undefined null.
 */
export function toJsonSafe(value: unknown, seen = new Set<object>()): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toJsonSafe(item, seen));
    if (value instanceof Set) return [...value].map((item) => toJsonSafe(item, seen));
    if (value instanceof Map) {
      return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonSafe(v, seen)]));
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSafe(v, seen)]));
  } finally {
    seen.delete(value);
  }
}

/**
 * What `--json` prints: indented for one-shot commands, one line per frame for `watch`.
 * JSON.stringify escapes only C0, so C1 (U+009B is a terminal CSI) and bidi controls from the
 * cache are escaped too, for a terminal reading it.
 */
export function formatJson(value: unknown, { compact = false } = {}): string {
  return escapeControls(compact ? JSON.stringify(value) : JSON.stringify(value, null, 2));
}
