import { SessionError } from '../errors.js';
import { isPlainPrototype } from './plain-prototype.js';

/**
 * Deepest nesting of objects, arrays, Maps and Sets a store accepts. Far beyond any session's,
 * and shallow enough that every walk and decoder (all recursive) has stack to spare: data that
 * could be written but not read back would be lost.
 */
const MAX_DATA_DEPTH = 100;

/** Longest id any store accepts. Real ids are 43 characters; this only bounds hostile input. */
export const MAX_ID_LENGTH = 512;

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 lib typings.
export function isWellFormed(value: string): boolean {
  return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}

export function assertValidId(id: unknown): asserts id is string {
  // Bytes, not characters: every store can then key it (FastMmapCache keys are at most 1 KiB
  // of UTF-8). A UTF-16 unit is at most 3 bytes, so only longer ids need counting.
  if (
    typeof id !== 'string' ||
    id.length === 0 ||
    (id.length > MAX_ID_LENGTH / 3 && Buffer.byteLength(id) > MAX_ID_LENGTH)
  ) {
    throw new SessionError(
      'ERR_SESSION_INVALID_ID',
      `a session id must be a string of 1-${MAX_ID_LENGTH} bytes in UTF-8 (${MAX_ID_LENGTH} ASCII characters)`,
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

/**
 * Rejects what would not come back from a store exactly as it went in, so every store fails
 * the same way instead of one silently turning a class instance into a plain object and
 * another throwing later. Accepted: null, boolean, number, string, bigint, undefined (object
 * values only; JSON-based stores drop them), and of exactly these classes (not subclasses):
 * Date, arrays, plain objects, Map, Set, Buffer and the standard typed arrays. Symbol keys and
 * named properties of arrays are left out by every store, as by JSON. Runs on every write.
 */
export function assertSupportedData(data: unknown): asserts data is Record<string, unknown> {
  assertPlainObjectData(data);
  // One ancestors stack for every call (a getter calling back in gets its own).
  const ancestors = spareAncestors ?? [];
  spareAncestors = undefined;
  let problem: Problem | undefined;
  try {
    problem = checkValue(data, ancestors);
  } catch (err) {
    throw unreadableData(err);
  } finally {
    // Empty again unless a getter threw mid-walk (setting length is a runtime call: skip it).
    if (ancestors.length !== 0) ancestors.length = 0;
    spareAncestors = ancestors;
  }
  if (problem !== undefined) {
    throw new SessionError(
      'ERR_SESSION_UNSUPPORTED_DATA',
      `session data at ${describePath(problem.path)} is ${problem.what}, which a store cannot keep${problem.hint ? `: ${problem.hint}` : ''}`,
    );
  }
}

/**
 * What reading session data threw (a getter of the app's, a Proxy's trap) as a typed error:
 * a SessionError passes as it is.
 */
export function unreadableData(err: unknown): SessionError {
  if (err instanceof SessionError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new SessionError(
    'ERR_SESSION_UNSUPPORTED_DATA',
    `session data could not be read, which a store cannot keep: ${why}`,
    { cause: err },
  );
}

/** The top-level half of assertSupportedData: session data is a plain object. */
export function assertPlainObjectData(data: unknown): asserts data is Record<string, unknown> {
  if (!isPlainObject(data)) {
    throw new SessionError(
      'ERR_SESSION_UNSUPPORTED_DATA',
      'session data must be a plain object (created by {} or Object.create(null))',
    );
  }
}

/** `data.a.b[2]`, with the middle of a very long path left out. */
function describePath(path: string[]): string {
  const shown = path.length > 12 ? [...path.slice(0, 6), '…', ...path.slice(-5)] : path;
  return ['data', ...shown].join('');
}

let spareAncestors: object[] | undefined = [];

interface Problem {
  what: string;
  /** What to do instead, when there is a usual fix. */
  hint?: string;
  /** Built only on failure, innermost segment first added last (unshift on the way out). */
  path: string[];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  return isPlainPrototype(Object.getPrototypeOf(value));
}

function at(problem: Problem | undefined, segment: string): Problem | undefined {
  problem?.path.unshift(segment);
  return problem;
}

/** `ancestors` holds the objects on the current path: a value found there is a cycle. */
function checkValue(value: unknown, ancestors: object[]): Problem | undefined {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value) ? undefined : { what: 'a string with a lone surrogate', path: [] };
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return undefined;
    case 'function':
      return { what: 'a function', path: [] };
    case 'symbol':
      return { what: 'a symbol', path: [] };
  }
  if (value === null) return undefined;
  const obj = value as object;
  const proto = Object.getPrototypeOf(obj) as object | null;
  // Exact classes only: a subclass comes back as its base class (a Map subclass as an array
  // of pairs from cbor), so its methods would be gone on the next request.
  if (proto === Date.prototype || (proto !== null && typedArrayPrototypes.has(proto)))
    return undefined;
  if (ArrayBuffer.isView(obj)) {
    return proto === DataView.prototype
      ? {
          what: 'a DataView',
          path: [],
          hint: 'store a Uint8Array (cbor gives a DataView back as a Buffer)',
        }
      : subclassOf(obj);
  }
  // A value may appear twice (a DAG); only a path back to itself is a cycle.
  if (ancestors.includes(obj)) return { what: 'a circular reference', path: [] };
  if (ancestors.length === MAX_DATA_DEPTH) {
    return { what: `nested more than ${MAX_DATA_DEPTH} levels deep`, path: [] };
  }
  ancestors.push(obj);
  const problem = checkContainer(obj, ancestors);
  ancestors.pop();
  return problem;
}

function checkContainer(obj: object, ancestors: object[]): Problem | undefined {
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === Array.prototype) {
    const array = obj as unknown[];
    for (let i = 0; i < array.length; i++) {
      const problem = checkValue(array[i], ancestors);
      if (problem) return at(problem, `[${i}]`);
    }
    // Named properties on an array (a RegExp match's `index`) and symbol keys are not data:
    // every codec leaves them out, as JSON does, and checking would cost every write.
    return undefined;
  }
  if (isPlainPrototype(proto)) {
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      if (!isWellFormed(key)) return { what: 'a key with a lone surrogate', path: [] };
      // An own __proto__ (JSON.parse makes one): decoders turn it into a prototype or rename
      // it, so it would not come back as it went in.
      if (key === '__proto__') return { what: 'a key named __proto__', path: [] };
      const problem = checkValue((obj as Record<string, unknown>)[key], ancestors);
      if (problem) return at(problem, `.${key}`);
    }
    return undefined;
  }
  if (proto === Map.prototype) {
    for (const [key, value] of obj as Map<unknown, unknown>) {
      const problem = checkValue(key, ancestors) ?? checkValue(value, ancestors);
      if (problem) return at(problem, `.get(${String(key)})`);
    }
    return undefined;
  }
  if (proto === Set.prototype) {
    for (const item of obj as Set<unknown>) {
      const problem = checkValue(item, ancestors);
      if (problem) return at(problem, ' (a Set item)');
    }
    return undefined;
  }
  return subclassOf(obj);
}

/** A class instance (of a subclass of a kept type too), with how to store what it holds. */
function subclassOf(obj: object): Problem {
  const name = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
  // express-session stored such objects as their JSON: say how to keep what is needed.
  const json = typeof (obj as { toJSON?: unknown }).toJSON === 'function';
  return {
    what: `an instance of ${name}`,
    path: [],
    hint: `store a plain object instead (its id${json ? ', or what its toJSON() returns' : ', or a copy of its fields'})`,
  };
}

/** Node's Buffer and the standard typed arrays, which every codec gives back as they were. */
const typedArrayPrototypes = new Set<object>(
  [
    Buffer,
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((c) => c.prototype),
);
