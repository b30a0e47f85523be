import { expect } from 'vitest';

export const HOUR = 3_600_000;

/** A unique id per call, so checks never collide on a store shared between test files. */
let counter = 0;
export function freshId(label: string): string {
  counter++;
  return `conformance-${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Asserts a rejection is an Error with this portable code. The class may be SessionError or a
 * subclass with finer detail of its own (e.g. a Redis reason): only `code` is the contract.
 */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a rejection with code ${code}`).toBeInstanceOf(Error);
  expect(err).toMatchObject({ code });
}
