import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../../src/manager/manager.js';
import type { SessionManager } from '../../src/manager/types.js';
import { renderPrometheus } from '../../src/metrics/index.js';
import { FastMmapStore } from '../../src/store/fastmmap-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { cookiePair, SECRET } from '../helpers.js';
import { assertStrictExposition } from './strict-exposition.js';

/** A manager with one failed load and two failed commits (its store closed under it). */
async function failingManager(store = new MemoryStore()): Promise<SessionManager> {
  const manager = createSessionManager({ secret: SECRET, store });
  const session = await manager.load<Record<string, unknown>>(undefined);
  session.data.user = 'ann';
  const cookie = cookiePair((await session.commit())[0]);
  // Two requests' sessions: one's commit retried after its failure would count once.
  const sessions = [session, await manager.load<Record<string, unknown>>(cookie)];
  await store.close();
  await manager.load(cookie).catch(() => {});
  for (const [n, each] of sessions.entries()) {
    each.data.n = n;
    await each.commit().catch(() => {});
  }
  return manager;
}

/** The series an outage's alert needs, at 0 until it comes. */
const outageAtZero = (labels: Record<string, string>) =>
  ['load', 'commit', 'regenerate', 'destroy'].map((operation) => ({
    labels: { ...labels, operation, code: 'ERR_SESSION_STORE_UNAVAILABLE' },
    value: '0',
  }));

const FAILURES = 'fastmmap_session_failures_total';

function samples(text: string, name: string) {
  const family = parsePrometheusTextFormat(text).find((f) => f.name === name);
  return family?.metrics.map((m) => ({ labels: m.labels, value: m.value }));
}

describe('renderPrometheus(manager)', () => {
  it("renders a manager's failures by operation and code, for a store without a cache", async () => {
    const manager = await failingManager();
    const text = renderPrometheus(manager, { labels: { app: 'shop' } });
    assertStrictExposition(text);
    expect(text).toContain(`# TYPE ${FAILURES} counter`);
    const [load, commit, ...rest] = outageAtZero({ app: 'shop' });
    expect(samples(text, FAILURES)).toEqual([
      { ...load, value: '1' },
      { ...commit, value: '2' },
      ...rest,
    ]);
    // A MemoryStore has no cache file: no cache family, rather than an error.
    expect(text).not.toContain('fastmmap_hits_total');
  });

  it("renders an outage's series at 0 before any failure", () => {
    // A series that first appears at 1 shows Prometheus no increase(): the README's alert
    // would miss a process's first outage.
    const manager = createSessionManager({ secret: SECRET, store: new MemoryStore() });
    const text = renderPrometheus(manager);
    assertStrictExposition(text);
    expect(samples(text, FAILURES)).toEqual(outageAtZero({}));
    expect(text).toContain(`# HELP ${FAILURES} `);
  });

  it("renders a FastMmapStore manager's cache figures too", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastmmap-failures-'));
    try {
      const store = new FastMmapStore({ storage: join(dir, 's.fmcache'), cacheSize: 1 << 20 });
      const manager = createSessionManager({ secret: SECRET, store });
      const session = await manager.load<Record<string, unknown>>(undefined);
      session.data.user = 'ann';
      await session.commit();
      const text = renderPrometheus([{ source: manager, labels: { worker: '1' } }]);
      assertStrictExposition(text);
      expect(samples(text, 'fastmmap_sets_total')).toEqual([
        { labels: { worker: '1' }, value: '1' },
      ]);
      expect(samples(text, FAILURES)).toEqual(outageAtZero({ worker: '1' }));
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders managers and caches together, each family once', async () => {
    const a = await failingManager();
    const b = createSessionManager({ secret: SECRET, store: new MemoryStore() });
    const text = renderPrometheus([
      { source: a, labels: { app: 'a' } },
      { source: b, labels: { app: 'b' } },
    ]);
    assertStrictExposition(text);
    expect(samples(text, FAILURES)?.map((s) => s.labels?.app)).toEqual([
      ...['a', 'a', 'a', 'a'],
      ...['b', 'b', 'b', 'b'],
    ]);
  });

  it("refuses a label of the counter's own names with a typed error", async () => {
    const manager = await failingManager();
    expect(() => renderPrometheus(manager, { labels: { code: 'x' } })).toThrow(
      expect.objectContaining({ code: 'ERR_FASTMMAP_INVALID_OPTION' }),
    );
  });
});
