import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('typings', () => {
  it('request.session is typed from SessionData, with @fastify/session-style properties', () => {
    const out = spawnSync(process.execPath, [tsc, '-p', join(import.meta.dirname, 'types')], {
      encoding: 'utf8',
    });
    expect(out.stdout + out.stderr).toBe('');
  });
});
