import { join } from 'node:path';
import { typeErrors } from '@fastmmap/adapter-test-suite';
import { describe, expect, it } from 'vitest';

describe('typings', () => {
  it('request.session is typed from SessionData, with @fastify/session-style properties', () => {
    expect(typeErrors(join(import.meta.dirname, 'types'))).toBe('');
  });

  // An app may compile with a newer major than our build (5.9).
  it.each(['typescript-6', 'typescript-7'] as const)('request.session is typed under %s', (tsc) => {
    expect(typeErrors(join(import.meta.dirname, 'types'), tsc)).toBe('');
  });
});
