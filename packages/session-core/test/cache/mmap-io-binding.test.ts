import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mmapIoBinding } from '../../src/cache/mmap-io-binding.js';
import { scratchDir } from './helpers.js';

describe("finding @riaskov/mmap-io's binding without its package entry", () => {
  let t: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    t = scratchDir();
  });
  afterEach(() => t.cleanup());

  /** A require from an app in the scratch dir, with mmap-io's package.json declaring `binary`. */
  const appRequire = (binary?: object) => {
    if (binary !== undefined) {
      const dir = join(t.dir, 'node_modules', '@riaskov', 'mmap-io');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: '@riaskov/mmap-io', binary }),
      );
    }
    return createRequire(join(t.dir, 'app.js'));
  };

  it('says "not built" when the package has its known layout but no binding (Node 23+): no slow entry then', () => {
    const layout = { module_path: './build/binding/{configuration}/{node_abi}-{platform}-{arch}/' };
    expect(mmapIoBinding(appRequire(layout))).toBe('not built');
  });

  it('leaves another layout, or no package, to the entry', () => {
    expect(mmapIoBinding(appRequire({ module_path: './lib/binding/' }))).toBeUndefined();
    expect(mmapIoBinding(appRequire())).toBeUndefined();
  });

  it("loads this workspace's binding where mmap-io builds (Node 20-22); 'not built' on 23+", () => {
    const binding = mmapIoBinding<object>(createRequire(import.meta.url));
    if (Number(process.versions.node.split('.')[0]) >= 23) {
      expect(binding).toBe('not built');
      return;
    }
    expect(binding).toMatchObject({ map: expect.any(Function), MAP_SHARED: expect.any(Number) });
  });
});
