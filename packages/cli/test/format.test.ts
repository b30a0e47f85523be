import { describe, expect, it } from 'vitest';
import { drawBar, fillHistogram } from '../src/fill-histogram.js';
import { formatBytes, formatDuration, safeText } from '../src/format.js';
import { toJsonSafe } from '../src/json-output.js';

const page = (fill: number) => ({ items: 1, bytesUsed: 1, fill, damaged: false });

describe('fill histogram', () => {
  it('puts each page in its tenth, a full page in the last bucket', () => {
    const buckets = fillHistogram([
      page(0),
      page(0.0999),
      page(0.1),
      page(0.55),
      page(0.9),
      page(1),
    ]);
    expect(buckets.map((b) => b.pages)).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(buckets[9]).toEqual({ from: 0.9, to: 1, pages: 2 });
  });

  it('draws bars in eighths of a cell, never empty for a non-zero count', () => {
    expect(drawBar(4, 4, 4)).toBe('████');
    expect(drawBar(1, 4, 4)).toBe('█');
    expect(drawBar(1, 8, 4)).toBe('▌');
    expect(drawBar(1, 10_000, 4)).toBe('▏');
    expect(drawBar(0, 4, 4)).toBe('');
  });
});

describe('formatting', () => {
  it('formats sizes and durations for people', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 2 ** 20)]).toEqual([
      '512 B',
      '1.5 KiB',
      '5 MiB',
    ]);
    expect([formatDuration(0), formatDuration(61_000), formatDuration(90_061_000)]).toEqual([
      '0s',
      '1m 1s',
      '1d 1h',
    ]);
  });

  it('quotes text holding C0, C1 or bidi controls and leaves other text alone', () => {
    expect(safeText('sess:abc é')).toBe('sess:abc é');
    expect(safeText('a\nb')).toBe('"a\\nb"');
    expect(safeText('x\u009by')).toBe('"x\\u009by"');
    expect(safeText('\u202eevil')).toBe('"\\u202eevil"');
    expect(safeText('a\u200eb\u061c')).toBe('"a\\u200eb\\u061c"');
  });

  it('turns decoded values into faithful JSON', () => {
    const value = {
      when: new Date('2026-01-02T03:04:05.000Z'),
      bytes: new Uint8Array([1, 2, 3]),
      big: 2n ** 70n,
      map: new Map([[1, 'one']]),
      set: new Set(['a']),
      missing: undefined,
    };
    expect(toJsonSafe(value)).toEqual({
      when: '2026-01-02T03:04:05.000Z',
      bytes: { $bytes: 'AQID' },
      big: '1180591620717411303424',
      map: { 1: 'one' },
      set: ['a'],
      missing: null,
    });
  });
});
