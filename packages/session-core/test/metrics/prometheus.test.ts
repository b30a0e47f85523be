import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { FastMmapCache } from '../../src/cache/index.js';
import type { CacheStats } from '../../src/cache/types.js';
import { prometheusContentType, renderPrometheus } from '../../src/metrics/index.js';
import { assertStrictExposition } from './strict-exposition.js';

function makeStats(overrides: Partial<CacheStats> = {}): CacheStats {
  return {
    path: '/tmp/fastmmap-0/app.fmcache',
    formatVersion: 1,
    pageSize: 65536,
    numPages: 4,
    fileSize: 4 * 65536 + 4096,
    createdAt: 1_764_000_000_000,
    creationId: 'c0ffee',
    codec: 'cbor',
    lockStripes: 4,
    items: 12,
    bytesUsed: 3000,
    hits: 41,
    misses: 7,
    sets: 13,
    deletes: 1,
    expiredRemovals: 2,
    evictions: 5,
    evictionsUnexpired: 3,
    repairedPages: 1,
    droppedCorruptRecords: 4,
    damagedPages: 1,
    pages: [
      { items: 3, bytesUsed: 1000, fill: 0.5, damaged: false },
      { items: 9, bytesUsed: 2000, fill: 0.9, damaged: false },
      { items: 0, bytesUsed: 0, fill: 0, damaged: true },
      { items: 0, bytesUsed: 0, fill: 0.1, damaged: false },
    ],
    ...overrides,
  };
}

function familyValues(text: string): Map<string, { type: string; values: string[] }> {
  const families = parsePrometheusTextFormat(text);
  return new Map(
    families.map((f) => [f.name, { type: f.type, values: f.metrics.map((m) => m.value ?? '') }]),
  );
}

describe('renderPrometheus', () => {
  it('renders every counter and gauge with the stats values, readable by a real parser', () => {
    const text = renderPrometheus(makeStats());
    assertStrictExposition(text);
    const families = familyValues(text);
    const expected: Record<string, [string, string]> = {
      fastmmap_hits_total: ['COUNTER', '41'],
      fastmmap_misses_total: ['COUNTER', '7'],
      fastmmap_sets_total: ['COUNTER', '13'],
      fastmmap_deletes_total: ['COUNTER', '1'],
      fastmmap_expired_removals_total: ['COUNTER', '2'],
      fastmmap_evictions_total: ['COUNTER', '5'],
      fastmmap_evictions_unexpired_total: ['COUNTER', '3'],
      fastmmap_repaired_pages_total: ['COUNTER', '1'],
      fastmmap_dropped_corrupt_records_total: ['COUNTER', '4'],
      fastmmap_damaged_pages: ['GAUGE', '1'],
      fastmmap_items: ['GAUGE', '12'],
      fastmmap_used_bytes: ['GAUGE', '3000'],
      fastmmap_fill_ratio: ['GAUGE', '0.375'],
      fastmmap_page_fill_max_ratio: ['GAUGE', '0.9'],
      fastmmap_pages: ['GAUGE', '4'],
      fastmmap_page_size_bytes: ['GAUGE', '65536'],
      fastmmap_file_size_bytes: ['GAUGE', String(4 * 65536 + 4096)],
      fastmmap_created_timestamp_seconds: ['GAUGE', '1764000000'],
      fastmmap_cache_info: ['GAUGE', '1'],
    };
    expect(Object.fromEntries([...families].map(([n, f]) => [n, [f.type, f.values[0]]]))).toEqual(
      expected,
    );
    for (const family of parsePrometheusTextFormat(text)) {
      expect(family.help.length).toBeGreaterThan(10);
    }
  });

  it('reads a real cache: counters follow what the processes did', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastmmap-metrics-'));
    const cache = FastMmapCache.open({
      path: join(dir, 'm.fmcache'),
      pageSize: 4096,
      numPages: 2,
      lockStripes: 1,
    });
    try {
      cache.set('a', 1);
      cache.set('b', 2);
      cache.get('a');
      cache.get('zzz');
      cache.delete('b');
      const text = renderPrometheus(cache, { labels: { app: 'test' } });
      // A store that exposes its cache (FastMmapStore does) renders the same.
      expect(renderPrometheus({ cache }, { labels: { app: 'test' } })).toBe(text);
      assertStrictExposition(text);
      const families = familyValues(text);
      const stats = cache.stats();
      expect(families.get('fastmmap_sets_total')?.values).toEqual([String(stats.sets)]);
      expect(families.get('fastmmap_hits_total')?.values).toEqual([String(stats.hits)]);
      expect(families.get('fastmmap_misses_total')?.values).toEqual([String(stats.misses)]);
      expect(families.get('fastmmap_deletes_total')?.values).toEqual(['1']);
      expect(families.get('fastmmap_items')?.values).toEqual(['1']);
      expect(families.get('fastmmap_pages')?.values).toEqual(['2']);
      expect(stats.sets).toBe(2);
    } finally {
      cache.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts a cache-like source whose stats() is called at render time', () => {
    let hits = 1;
    const source = { stats: () => makeStats({ hits: hits++ }) };
    expect(familyValues(renderPrometheus(source)).get('fastmmap_hits_total')?.values).toEqual([
      '1',
    ]);
    expect(familyValues(renderPrometheus(source)).get('fastmmap_hits_total')?.values).toEqual([
      '2',
    ]);
  });

  it('escapes backslash, quote and line feed in label values so they round-trip', () => {
    const nasty = 'C:\\dir\\"quoted"\nnext line';
    const text = renderPrometheus(makeStats({ path: nasty }), { labels: { app: nasty } });
    assertStrictExposition(text);
    const info = parsePrometheusTextFormat(text).find((f) => f.name === 'fastmmap_cache_info');
    expect(info?.metrics[0]?.labels).toEqual({
      app: nasty,
      path: nasty,
      format_version: '1',
      codec: 'cbor',
      creation_id: 'c0ffee',
    });
    expect(text).toContain('app="C:\\\\dir\\\\\\"quoted\\"\\nnext line"');
    // No raw line feed may leak out of a label value.
    expect(text.split('\n').every((line) => line === '' || /^(#|fastmmap_)/.test(line))).toBe(true);
  });

  it('applies the prefix to every family and the labels to every series', () => {
    const text = renderPrometheus(makeStats(), { prefix: 'sessions_', labels: { app: 'shop' } });
    assertStrictExposition(text);
    for (const family of parsePrometheusTextFormat(text)) {
      expect(family.name.startsWith('sessions_')).toBe(true);
      for (const sample of family.metrics) expect(sample.labels?.app).toBe('shop');
    }
  });

  it('renders several caches under one HELP/TYPE per family', () => {
    const text = renderPrometheus(
      [
        { source: makeStats({ hits: 1 }), labels: { cache: 'sessions' } },
        { source: makeStats({ hits: 2 }), labels: { cache: 'pages' } },
      ],
      { labels: { host: 'a' } },
    );
    const series = assertStrictExposition(text);
    expect(series).toContain('fastmmap_hits_total{host="a",cache="sessions"}');
    const hits = parsePrometheusTextFormat(text).find((f) => f.name === 'fastmmap_hits_total');
    expect(hits?.metrics.map((m) => [m.labels?.cache, m.value])).toEqual([
      ['sessions', '1'],
      ['pages', '2'],
    ]);
  });

  it('formats non-finite values the way Prometheus parses them', () => {
    const text = renderPrometheus(
      makeStats({ hits: Number.POSITIVE_INFINITY, misses: Number.NaN }),
    );
    assertStrictExposition(text);
    expect(text).toMatch(/^fastmmap_hits_total \+Inf$/m);
    expect(text).toMatch(/^fastmmap_misses_total NaN$/m);
  });

  it('reports zero fill for a cache without pages instead of NaN', () => {
    const text = renderPrometheus(makeStats({ numPages: 0, pages: [] }));
    expect(text).toMatch(/^fastmmap_fill_ratio 0$/m);
  });

  it('rejects bad prefixes, label names, duplicate label sets and promises with a typed error', () => {
    const stats = makeStats();
    const cases: Array<() => unknown> = [
      () => renderPrometheus(stats, { prefix: '9bad' }),
      () => renderPrometheus(stats, { prefix: 'has space_' }),
      () => renderPrometheus(stats, { labels: { 'bad-name': 'x' } }),
      () => renderPrometheus(stats, { labels: { __reserved: 'x' } }),
      () => renderPrometheus([{ source: stats }, { source: stats }]),
      () => renderPrometheus([{ source: stats, labels: { host: 'b' } }], { labels: { host: 'a' } }),
      () => renderPrometheus({ stats: () => Promise.resolve(stats) } as never),
      () => renderPrometheus({ hits: 1 } as never),
    ];
    for (const run of cases) {
      expect(run).toThrow(expect.objectContaining({ code: 'ERR_FASTMMAP_INVALID_OPTION' }));
    }
  });

  it('exports the content type of the 0.0.4 text format', () => {
    expect(prometheusContentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});
