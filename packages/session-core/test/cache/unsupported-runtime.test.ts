import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FastMmapCache, FastMmapError } from '../../src/cache/index.js';
import { unsupportedRuntime } from '../../src/cache/runtime.js';
import { SessionError } from '../../src/errors.js';
import { FastMmapStore } from '../../src/store/fastmmap-store.js';
import { scratchDir } from './helpers.js';

// Both present themselves as Node (process.versions.node 26.3.0, process.release.name 'node');
// these are what Bun 1.4.5 and Deno 2.9.6 add.
const node = { ...process.versions };
const bun = { ...node, bun: '1.4.5' };
const deno = { ...node, deno: '2.9.6' };

/** Runs `fn` with process.versions as Bun's (an extra key), then takes it away again. */
function asBun<T>(fn: () => T): T {
  const versions = process.versions as Partial<Record<string, string>>;
  versions.bun = '1.4.5';
  try {
    return fn();
  } finally {
    delete versions.bun;
  }
}

describe('unsupported runtimes (Bun, Deno)', () => {
  it('are told apart from Node by process.versions, not by a global a Node app may define (a shim)', () => {
    expect(unsupportedRuntime(node)).toBeUndefined();
    expect(unsupportedRuntime(bun)).toBe('Bun');
    expect(unsupportedRuntime(deno)).toBe('Deno');
    const shimmed = globalThis as { Deno?: unknown };
    shimmed.Deno = { version: { deno: 'shim' } };
    try {
      expect(unsupportedRuntime()).toBeUndefined();
    } finally {
      delete shimmed.Deno;
    }
  });

  it('FastMmapCache.open refuses them before any addon or file, saying what to use instead', () => {
    const t = scratchDir();
    try {
      let thrown: unknown;
      asBun(() => {
        try {
          t.open();
        } catch (err) {
          thrown = err;
        }
      });
      expect(thrown).toBeInstanceOf(FastMmapError);
      const err = thrown as FastMmapError;
      expect(err.code).toBe('ERR_FASTMMAP_UNSUPPORTED_RUNTIME');
      expect(err.message).toContain('needs Node.js 20.19 or later, not Bun');
      expect(err.message).toContain('RedisStore from @fastmmap/redis-store');
      // No rebuild advice: no build of fs-ext loads there.
      expect(err.message).not.toContain('rebuild');
      expect(existsSync(t.path)).toBe(false);
      // Node again: the same call opens.
      expect(t.open()).toBeInstanceOf(FastMmapCache);
    } finally {
      t.cleanup();
    }
  });

  it('FastMmapStore reports it as ERR_SESSION_STORE_UNAVAILABLE, with no temp dir advice', () => {
    let thrown: unknown;
    asBun(() => {
      try {
        new FastMmapStore({ appName: 'unsupported-runtime-test' });
      } catch (err) {
        thrown = err;
      }
    });
    expect(thrown).toBeInstanceOf(SessionError);
    const err = thrown as SessionError;
    expect(err.code).toBe('ERR_SESSION_STORE_UNAVAILABLE');
    expect((err.cause as FastMmapError).code).toBe('ERR_FASTMMAP_UNSUPPORTED_RUNTIME');
    expect(err.message).toContain('not Bun');
    expect(err.message).not.toContain('TMPDIR');
  });
});
