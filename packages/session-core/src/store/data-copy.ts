import { isPlainPrototype } from './plain-prototype.js';

/**
 * Deep copies and comparisons of session values for change tracking, for the shapes sessions
 * are made of: primitives, plain objects, arrays and Dates. A copy and a comparison cost a
 * fraction of a structured-clone encoding and allocate little. Anything else (Map, Set, typed
 * arrays, class instances, functions, cycles, very deep nesting) is UNSUPPORTED here, and the
 * caller falls back to encoding.
 */
export const UNSUPPORTED: unique symbol = Symbol('unsupported');

/** Deeper nesting than this is treated as unsupported (it also stops cycles). */
const MAX_DEPTH = 64;

function isPlain(value: object): boolean {
  return isPlainPrototype(Object.getPrototypeOf(value));
}

/** A deep copy of a non-primitive value, or UNSUPPORTED. */
export function copyValue(value: object): object | typeof UNSUPPORTED {
  return copy(value, 0) as object | typeof UNSUPPORTED;
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? UNSUPPORTED : value;
  }
  if (value === null) return null;
  if (depth === MAX_DEPTH) return UNSUPPORTED;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) continue; // a hole stays a hole
      const item = copy(value[i], depth + 1);
      if (item === UNSUPPORTED) return UNSUPPORTED;
      out[i] = item;
    }
    return out;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (!isPlain(value)) return UNSUPPORTED;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copy((value as Record<string, unknown>)[key], depth + 1);
    if (item === UNSUPPORTED) return UNSUPPORTED;
    setOwn(out, key, item);
  }
  return out;
}

/** `target[key] = value` as an own data property, also for '__proto__' (which `=` would not add). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/**
 * Whether `current` equals `copied` (a copyValue result): same keys in the same order, array
 * holes in the same places, -0 apart from 0, Dates by time. True only when `current` is made
 * of what copyValue handles; anything else compares unequal (the caller then encodes it).
 */
export function equalsCopy(copied: object, current: object): boolean {
  return equals(copied, current, 0);
}

function equals(copied: unknown, current: unknown, depth: number): boolean {
  if (typeof current !== 'object' || current === null) {
    return (
      typeof current !== 'function' && typeof current !== 'symbol' && Object.is(copied, current)
    );
  }
  if (typeof copied !== 'object' || copied === null || depth === MAX_DEPTH) return false;
  if (Array.isArray(current)) {
    if (!Array.isArray(copied) || copied.length !== current.length) return false;
    for (let i = 0; i < current.length; i++) {
      const hole = !(i in current);
      if (hole !== !(i in copied)) return false;
      if (!hole && !equals(copied[i], current[i], depth + 1)) return false;
    }
    return true;
  }
  if (current instanceof Date) {
    return copied instanceof Date && Object.is(copied.getTime(), current.getTime());
  }
  if (!isPlain(current) || Array.isArray(copied) || copied instanceof Date) return false;
  const before = Object.keys(copied);
  const now = Object.keys(current);
  if (before.length !== now.length) return false;
  for (let i = 0; i < now.length; i++) {
    const key = now[i]!;
    if (key !== before[i]) return false;
    const a = (copied as Record<string, unknown>)[key];
    if (!equals(a, (current as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}
