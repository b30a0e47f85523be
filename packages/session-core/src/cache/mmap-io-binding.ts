import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where @riaskov/mmap-io 1.x's install puts its binding (package.json `binary.module_path`). */
const MODULE_PATH = './build/binding/{configuration}/{node_abi}-{platform}-{arch}/';

/**
 * @riaskov/mmap-io's compiled binding, required from where its install put it. Its package
 * entry finds that file through @mapbox/node-pre-gyp, which costs ~45 ms at the first open
 * (measured, Node 20) and calls url.parse(): DEP0169, which --pending-deprecation prints and
 * --throw-deprecation throws past any catch. The binding has all we use (map and the
 * constants; the entry only adds `sync`), and the entry, if the app loads it too, gets the
 * same module from Node's cache.
 *
 * 'not built' when the package declares that layout and the file is not there (Node 23+,
 * where its build fails); undefined when it is not installed or declares another layout
 * (then its entry is the way in).
 */
export function mmapIoBinding<T>(require: NodeJS.Require): T | 'not built' | undefined {
  let dir: string;
  let modulePath: unknown;
  try {
    const manifest = require.resolve('@riaskov/mmap-io/package.json');
    dir = dirname(manifest);
    modulePath = JSON.parse(readFileSync(manifest, 'utf8'))?.binary?.module_path;
  } catch {
    return undefined;
  }
  if (modulePath !== MODULE_PATH) return undefined;
  const abi = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
  const file = join(dir, 'build', 'binding', 'Release', abi, 'mmap_io.node');
  if (!existsSync(file)) return 'not built';
  try {
    return require(file) as T;
  } catch {
    return undefined;
  }
}
