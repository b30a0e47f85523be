import { FastMmapError } from './errors.js';

/** Runtimes that run Node code but cannot run this cache, with why. */
const UNSUPPORTED = {
  // Bun loads our Node-API addon, but not fs-ext (a nan addon, our flock): built for Node it
  // is refused (another ABI); built for Bun it can end the process at load (a V8 symbol Bun
  // lacks). No rebuild makes it work.
  Bun: 'it cannot load fs-ext (a nan addon, which gives the cache its file locks)',
  // Deno loads Node-API addons only: fs-ext is refused whatever it was built for.
  Deno: 'it loads Node-API addons only, and fs-ext (which gives the cache its file locks) is a nan addon',
} as const;

export type UnsupportedRuntime = keyof typeof UNSUPPORTED;

/**
 * Bun or Deno when this code runs on one (both call themselves Node in process.versions.node
 * and process.release); undefined on Node.
 */
export function unsupportedRuntime(
  versions: NodeJS.ProcessVersions = process.versions,
): UnsupportedRuntime | undefined {
  // Not their globals: a Node app may define a `Deno` or `Bun` global itself (a shim).
  const own = versions as Partial<Record<string, string>>;
  if (typeof own.bun === 'string') return 'Bun';
  if (typeof own.deno === 'string') return 'Deno';
  return undefined;
}

/** ERR_FASTMMAP_UNSUPPORTED_RUNTIME: the rebuild advice of an addon failure would not help. */
export function unsupportedRuntimeError(runtime: UnsupportedRuntime): FastMmapError {
  return new FastMmapError(
    'ERR_FASTMMAP_UNSUPPORTED_RUNTIME',
    `FastMmapCache (and FastMmapStore, which keeps sessions in it) needs Node.js 20.19 or later, not ${runtime}: ${UNSUPPORTED[runtime]}. Run the app on Node, or keep sessions elsewhere: RedisStore from @fastmmap/redis-store (shared by every process and machine), or MemoryStore (one process)`,
  );
}
