import type { Clock } from '../cache/types.js';
import { FastMmapStore } from '../store/fastmmap-store.js';
import type { Store } from '../store/types.js';

/** The store a manager opens when none is given: the shared file of app name 'sessions'. */
export function createDefaultStore(clock: Clock): Store {
  return new FastMmapStore({ appName: 'sessions', clock });
}
