import type { PageStats } from '@fastmmap/session-core/cache';

export interface FillBucket {
  /** Lower bound, inclusive, 0..0.9. */
  from: number;
  /** Upper bound, exclusive except for the last bucket, which includes 1. */
  to: number;
  pages: number;
}

const BUCKETS = 10;

/** How many pages are 0-10 % full, 10-20 %, ... 90-100 %. */
export function fillHistogram(pages: readonly PageStats[]): FillBucket[] {
  const counts = new Array<number>(BUCKETS).fill(0);
  for (const page of pages) {
    const fill = Math.min(Math.max(page.fill, 0), 1);
    const index = Math.min(Math.floor(fill * BUCKETS), BUCKETS - 1);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts.map((count, i) => ({ from: i / BUCKETS, to: (i + 1) / BUCKETS, pages: count }));
}

// Eighths of a block, so short bars still show their size.
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;

/** A bar of `width * value / max` cells drawn with block characters. */
export function drawBar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + PARTIAL[eighths % 8];
}

/** One line per bucket: label, bar, page count. */
export function drawFillHistogram(buckets: readonly FillBucket[], width = 32): string[] {
  const max = Math.max(0, ...buckets.map((b) => b.pages));
  return buckets.map((bucket) => {
    const label = `${Math.round(bucket.from * 100)}-${Math.round(bucket.to * 100)}%`.padStart(7);
    const bar = drawBar(bucket.pages, max, width).padEnd(width);
    return `${label} ${bar} ${bucket.pages}`;
  });
}
