import { join } from 'node:path';
import { typeErrors } from '@fastmmap/adapter-test-suite';
import { describe, expect, it } from 'vitest';

describe('typings', () => {
  it('request.session is typed from SessionData, with @fastify/session-style properties', () => {
    expect(typeErrors(join(import.meta.dirname, 'types'))).toBe('');
  });
});
