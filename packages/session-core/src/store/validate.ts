import { SessionError } from '../errors.js';

/** Longest id any store accepts. Real ids are 43 characters; this only bounds hostile input. */
export const MAX_ID_LENGTH = 512;

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 lib typings.
export function isWellFormed(value: string): boolean {
  return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}

export function assertValidId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new SessionError(
      'ERR_SESSION_INVALID_ID',
      `a session id must be a string of 1-${MAX_ID_LENGTH} characters`,
    );
  }
  if (!isWellFormed(id)) {
    throw new SessionError('ERR_SESSION_INVALID_ID', 'a session id must be well-formed UTF-16');
  }
}

export function assertValidTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new SessionError(
      'ERR_SESSION_INVALID_TTL',
      `ttlMs must be a finite number of milliseconds > 0, got ${String(ttlMs)}`,
    );
  }
}

function isTypedArrayOrView(value: object): boolean {
  return ArrayBuffer.isView(value);
}

/**
 * Rejects what would not come back from a store exactly as it went in, so every store fails
 * the same way instead of one silently dropping a function and another throwing later.
 * Accepted: null, boolean, number, string, bigint, undefined (object values only; JSON-based
 * stores drop them), Date, arrays, plain objects, Map, Set, typed arrays and DataViews.
 */
export function assertSupportedData(data: unknown): asserts data is Record<string, unknown> {
  if (!isPlainObject(data)) {
    throw new SessionError(
      'ERR_SESSION_UNSUPPORTED_DATA',
      'session data must be a plain object (created by {} or Object.create(null))',
    );
  }
  checkValue(data, 'data', new Set());
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unsupported(path: string, what: string): SessionError {
  return new SessionError(
    'ERR_SESSION_UNSUPPORTED_DATA',
    `session data at ${path} is ${what}, which a store cannot keep`,
  );
}

function checkString(value: string, path: string): void {
  if (!isWellFormed(value)) throw unsupported(path, 'a string with a lone surrogate');
}

function checkValue(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
      checkString(value, path);
      return;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return;
    case 'function':
      throw unsupported(path, 'a function');
    case 'symbol':
      throw unsupported(path, 'a symbol');
  }
  if (value === null) return;
  const obj = value as object;
  if (obj instanceof Date || isTypedArrayOrView(obj)) return;
  if (seen.has(obj)) throw unsupported(path, 'a circular reference');
  seen.add(obj);
  if (Array.isArray(obj)) {
    obj.forEach((item, i) => {
      checkValue(item, `${path}[${i}]`, seen);
    });
  } else if (obj instanceof Map) {
    for (const [k, v] of obj) {
      checkValue(k, `${path} (Map key)`, seen);
      checkValue(v, `${path}.get(${String(k)})`, seen);
    }
  } else if (obj instanceof Set) {
    for (const item of obj) checkValue(item, `${path} (Set item)`, seen);
  } else if (isPlainObject(obj)) {
    for (const key of Object.keys(obj)) {
      checkString(key, `${path} (key)`);
      checkValue(obj[key], `${path}.${key}`, seen);
    }
  } else {
    const name = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    throw unsupported(path, `an instance of ${name}`);
  }
  // A value may appear twice (a DAG); only a path back to itself is a cycle.
  seen.delete(obj);
}
