import { join } from 'node:path';
import { typeErrors } from '@fastmmap/adapter-test-suite';
import { expect, it } from 'vitest';

it('ctx.session is typed from SessionData; KoaSessionStore fits koa-session', () => {
  expect(typeErrors(join(import.meta.dirname, 'types', 'tsconfig.json'))).toBe('');
});

// An app may compile with a newer major than our build (5.9).
it.each(['typescript-6', 'typescript-7'] as const)('ctx.session is typed under %s', (tsc) => {
  expect(typeErrors(join(import.meta.dirname, 'types', 'tsconfig.json'), tsc)).toBe('');
});
