import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const storeEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** What the process reported: the session it read back, or its error. */
export type StoreReport =
  | { read: unknown }
  | { opened: true }
  | { code: string; cause: string | undefined; message: string };

/**
 * `new FastMmapStore({ storage: path })` in a Node process started with `flags` (Node's own:
 * --no-addons, the permission model...); with `use`, it also stores a session and reads it
 * back. The process must exit cleanly with nothing on stderr (pass --no-warnings for flags
 * that warn).
 */
export function storeInProcess(path: string, flags: string[], { use = false } = {}): StoreReport {
  const script = `
    const { FastMmapStore } = await import(${JSON.stringify(storeEntry)});
    try {
      const store = new FastMmapStore({ storage: ${JSON.stringify(path)} });
      if (${use}) {
        await store.store('sid', { user: 'ann' }, Date.now() + 60_000);
        console.log(JSON.stringify({ read: await store.get('sid') }));
      } else console.log(JSON.stringify({ opened: true }));
      await store.close();
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, cause: err.cause?.code, message: err.message }));
    }
  `;
  const child = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout) as StoreReport;
}
