import { join } from 'node:path';
import { typeErrors } from '@fastmmap/adapter-test-suite';
import { expect, it } from 'vitest';

it('ctx.session is typed from SessionData; KoaSessionStore fits koa-session', () => {
  expect(typeErrors(join(import.meta.dirname, 'types', 'tsconfig.json'))).toBe('');
});
