import { join } from 'node:path';
import { typeErrors } from '@fastmmap/adapter-test-suite';
import { describe, expect, it } from 'vitest';

describe('typings', () => {
  it("SessionVariables types hono-sessions' c.set('session_key_rotation', true)", () => {
    expect(typeErrors(join(import.meta.dirname, 'types', 'tsconfig.json'))).toBe('');
  });
});
