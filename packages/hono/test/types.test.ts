import { join } from 'node:path';
import { typeErrors } from '@fastmmap/adapter-test-suite';
import { describe, expect, it } from 'vitest';

const project = (name: string) => join(import.meta.dirname, 'types', name);

describe('typings', () => {
  it("SessionVariables types hono-sessions' c.set('session_key_rotation', true)", () => {
    expect(typeErrors(project('tsconfig.json'))).toBe('');
  });

  it('takes trustProxy: undefined under exactOptionalPropertyTypes, as every other option', () => {
    expect(typeErrors(project('tsconfig.exact-optional.json'))).toBe('');
  });

  // An app may compile with a newer major than our build (5.9).
  it.each(['typescript-6', 'typescript-7'] as const)(
    'SessionVariables is typed under %s',
    (tsc) => {
      expect(typeErrors(project('tsconfig.json'), tsc)).toBe('');
    },
  );
});
