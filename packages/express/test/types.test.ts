import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function typecheck(project: string): string {
  const out = spawnSync(
    process.execPath,
    [tsc, '-p', join(import.meta.dirname, 'types', project)],
    {
      encoding: 'utf8',
    },
  );
  return out.stdout + out.stderr;
}

// Two programs: @types/express-session declares its own req.session, so an app uses one or the other.
describe('typings', () => {
  it('req.session is typed from SessionData (declaration merging)', () => {
    expect(typecheck('tsconfig.session.json')).toBe('');
  });

  it("ExpressSessionStore is assignable to express-session's Store", () => {
    expect(typecheck('tsconfig.store.json')).toBe('');
  });
});
