import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/cjs-bundled-store.mjs', import.meta.url));

describe('@fastmmap/express/store bundled to CommonJS (esbuild --format=cjs)', () => {
  it('imports and stores, finding express-session in node_modules beside the bundle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastmmap-express-bundle-'));
    try {
      cpSync(join(packageDir, 'dist'), join(dir, 'dist'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{ "name": "bundled-app", "type": "module" }');
      symlinkSync(realpathSync(join(packageDir, 'node_modules')), join(dir, 'node_modules'));
      // As esbuild's CommonJS output has it: import.meta is an empty object.
      for (const name of readdirSync(join(dir, 'dist'))) {
        if (!name.endsWith('.js')) continue;
        const file = join(dir, 'dist', name);
        writeFileSync(file, readFileSync(file, 'utf8').replaceAll('import.meta.url', 'undefined'));
      }
      const child = spawnSync(process.execPath, [fixture, dir, join(dir, 'sessions.fmc')], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({
        got: { cookie: { originalMaxAge: null }, n: 1 },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
