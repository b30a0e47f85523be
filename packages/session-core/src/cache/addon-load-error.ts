import { readFileSync } from 'node:fs';
import { FastMmapError } from './errors.js';

// Skipped install scripts leave all of them unbuilt: name them all, or the user rebuilds one
// per failed start. Not @riaskov/mmap-io: optional (our addon maps when it is not built), and
// its build fails on Node 23+.
const ADDON_PACKAGES = ['@fastmmap/session-core', 'fs-ext'];

// A bundler copies our JS but not the addons beside it (nor a path to them), so the way out
// is to leave the package, with its subpaths, to node_modules.
const KEEP_EXTERNAL =
  'leave @fastmmap/session-core and its subpaths out of the bundle and deploy node_modules with it (esbuild --external:@fastmmap/session-core; webpack externals /^@fastmmap\\/session-core(\\/|$)/; ncc -e @fastmmap/session-core -e @fastmmap/session-core/adapter -e @fastmmap/session-core/cache; see "Bundling and deploying" in its README)';

const NEEDED = "FastMmapCache and FastMmapStore need fs-ext and @fastmmap/session-core's addon";
const OR_REDIS = 'or keep sessions in RedisStore from @fastmmap/redis-store';

/**
 * ERR_FASTMMAP_NATIVE_ADDON for an addon that would not load: usually its install script did
 * not run (pnpm 10+ skips them unless allowed, npm with --ignore-scripts); when it is not
 * found at all, possibly because this code runs from a bundle. `bundled`: the bundler left no
 * require to look anything up with (import.meta.url emptied, or createRequire replaced).
 */
export function addonLoadError(name: string, err: unknown, bundled: boolean): FastMmapError {
  if (bundled) {
    return new FastMmapError(
      'ERR_FASTMMAP_NATIVE_ADDON',
      `the native addon ${name} could not be loaded: @fastmmap/session-core is bundled, and the bundler took away what loads its addons (a CommonJS bundle empties import.meta.url; webpack replaces createRequire). To use FastMmapStore, ${KEEP_EXTERNAL}`,
    );
  }
  // Node itself refused an addon that is built: rebuilding changes nothing.
  const refused = err as { code?: unknown; resource?: unknown } | undefined;
  if (refused?.code === 'ERR_DLOPEN_DISABLED') {
    return new FastMmapError(
      'ERR_FASTMMAP_NATIVE_ADDON',
      `the native addon ${name} could not be loaded: this Node.js process may not load native addons (it runs with --no-addons, or with the permission model, --experimental-permission or --permission, without --allow-addons). ${NEEDED}: drop --no-addons or add --allow-addons, ${OR_REDIS}`,
      { cause: err },
    );
  }
  if (refused?.code === 'ERR_ACCESS_DENIED') {
    // Node 22+ under the permission model checks read access to a .node file before loading
    // it, even with --allow-addons.
    const what =
      typeof refused.resource === 'string' && refused.resource !== ''
        ? refused.resource
        : 'its file';
    return new FastMmapError(
      'ERR_FASTMMAP_NATIVE_ADDON',
      `the native addon ${name} could not be loaded: Node's permission model did not let this process read ${what}. ${NEEDED}: grant --allow-fs-read on them (on the app's node_modules, say) as well as --allow-addons, ${OR_REDIS}`,
      { cause: err },
    );
  }
  const rebuild = [name, ...ADDON_PACKAGES.filter((other) => other !== name)].join(' ');
  // Not found from inside our own package is an unbuilt addon, not a bundle.
  const notFound = refused?.code === 'MODULE_NOT_FOUND' && !inOwnPackage();
  return new FastMmapError(
    'ERR_FASTMMAP_NATIVE_ADDON',
    `the native addon ${name} could not be loaded (${(err as Error)?.message ?? String(err)}). Its build script did not run or failed: with pnpm, allow it (pnpm approve-builds, or allowBuilds in pnpm-workspace.yaml) and reinstall; with npm, reinstall without --ignore-scripts or run npm rebuild ${rebuild}. Building them needs python3, make, gcc and g++${notFound ? `. If this code runs from a bundle (esbuild, webpack, ncc, rollup), which cannot carry native addons, ${KEEP_EXTERNAL}` : ''}`,
    { cause: err },
  );
}

/**
 * Whether this module still sits in the @fastmmap/session-core package (dist/cache/ under its
 * package.json), as installed; false when a bundler copied it into an app. Error path only.
 */
function inOwnPackage(): boolean {
  try {
    const manifest = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(manifest) as { name?: unknown }).name === '@fastmmap/session-core';
  } catch {
    return false;
  }
}
