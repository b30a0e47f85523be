import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

it('ctx.session is typed from SessionData; KoaSessionStore fits koa-session', () => {
  const out = spawnSync(
    process.execPath,
    [tsc, '-p', join(import.meta.dirname, 'types', 'tsconfig.json')],
    {
      encoding: 'utf8',
    },
  );
  expect(out.stdout + out.stderr).toBe('');
});
