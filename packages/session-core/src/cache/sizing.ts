import { HEADER_SIZE, MAX_FILE_SIZE, MAX_PAGE_SIZE, PAGE_HEADER_SIZE } from './layout.js';

/** What a cache file says about its load: its geometry and counters (see `stats()`). */
export interface SizingFacts {
  pageSize: number;
  numPages: number;
  lockStripes: number;
  /** Records in the file, and their bytes: the mean record size. */
  items: number;
  bytesUsed: number;
  /** Of the items, those that need room: unexpired ones. Default: all `items`. */
  liveItems?: number;
  /** Unexpired items evicted for lack of room: they needed room too. */
  evictedUnexpired: number;
  /**
   * The largest record known (bytes, as `recordSize` counts them), if any: a page must hold
   * several, or the few pages such records hash to stay full however large the file is.
   */
  largestRecord?: number;
}

/** Why the suggestion takes a larger page than the file's (see CacheSizeSuggestion). */
export type PageSizeReason = 'fewItemsPerPage' | 'largestRecord';

/** A geometry that holds the live and the evicted items, with headroom. */
export interface CacheSizeSuggestion {
  /** Bytes of pages, a whole number of pages (`numPages * pageSize`). */
  cacheSize: number;
  /**
   * The file's page size, or a larger one when a page holds too few items to fill evenly, or
   * fewer than RECORDS_PER_PAGE of the largest record.
   */
  pageSize: number;
  /** Why pageSize is larger than the file's; null when it is the file's. */
  pageSizeReason: PageSizeReason | null;
  numPages: number;
  /** The items it is sized for: the live ones plus the evicted ones. */
  items: number;
  /** Mean record size in the file (header, key, value, padding); null with no item to measure. */
  bytesPerItem: number | null;
  /** True when the size was cut to the largest file the format allows (below 2 GiB). */
  capped: boolean;
}

/** A slot table is kept between 3/8 and 3/4 full: about 8 bytes per item. */
const SLOT_BYTES = 8;
/** Beyond pages that fill unevenly: a quarter more, to grow. */
const GROWTH = 1.25;
/**
 * Items land on pages by hash, so pages fill unevenly, the more so the fewer items a page
 * holds: with 5 per page, a cache 50 times its items' size still evicted. Below this many,
 * the suggestion takes a larger page instead.
 */
const MIN_ITEMS_PER_PAGE = 32;
/**
 * A page holds at least this many of the largest record. A mean taken over many small sessions
 * hides a few large ones: two 40 KB sessions on a 64 KiB page push out everything else there,
 * and each larger file the mean asked for still evicted (an operations trial: 1,902, then 202,
 * 256, 139 sessions lost, following the advice each time; 512 KiB pages lost none).
 */
export const RECORDS_PER_PAGE = 8;

/**
 * The cacheSize (and pageSize) that would have kept every item the file holds or lost to
 * eviction, from the file's own figures: the items wanted (live + evicted unexpired), the
 * mean record size, and how unevenly items land on pages (the fullest of N pages holds about
 * sqrt(2 ln N) + 0.5 standard deviations more than the mean), plus a quarter to grow. One
 * computation for the pressure warning and the CLI's advice, so they never disagree.
 * Records of mixed sizes fill pages more unevenly than the mean says: with the largest record
 * known, the spread is bounded by it (see pagesFor).
 */
export function suggestCacheSize(facts: SizingFacts): CacheSizeSuggestion {
  const live = Math.max(0, facts.liveItems ?? facts.items);
  const wanted = live + Math.max(0, facts.evictedUnexpired);
  const current = facts.numPages * facts.pageSize;
  // NaN or Infinity (a caller's bad figure): unknown, as when not given.
  const given = facts.largestRecord ?? 0;
  const largest = Number.isFinite(given) ? Math.max(0, given) : 0;
  if (facts.items <= 0 || facts.bytesUsed <= 0) {
    // Nothing left to measure (a clear after the evictions): twice the room is all we know.
    const pageSize = pageSizeFor(facts.pageSize, 0, largest);
    const pages = Math.ceil((2 * current) / pageSize);
    const reason = pageSize === facts.pageSize ? null : 'largestRecord';
    return fit(pageSize, reason, pages, facts.lockStripes, wanted, null);
  }
  const bytesPerItem = facts.bytesUsed / facts.items;
  const perItem = bytesPerItem + SLOT_BYTES;
  const spread = spreadOf(bytesPerItem, largest);
  const withPages = (pageSize: number) => {
    const room = (pageSize - PAGE_HEADER_SIZE) / perItem;
    const pages = Math.ceil(pagesFor(wanted, room, spread) * GROWTH);
    // Evictions happened at this size: never suggest it, or less.
    const atLeast = Math.floor(current / pageSize) + 1;
    const reason = reasonFor(facts.pageSize, pageSize, perItem);
    return fit(pageSize, reason, Math.max(pages, atLeast), facts.lockStripes, wanted, bytesPerItem);
  };
  const suggestion = withPages(pageSizeFor(facts.pageSize, perItem, largest));
  // A larger page lowers the largest file the format allows: if that leaves less room than
  // now, keep the file's page size (at most the largest file with it, said by `capped`).
  return suggestion.cacheSize > current ? suggestion : withPages(facts.pageSize);
}

/**
 * E[(size + SLOT_BYTES)²] / E[size + SLOT_BYTES]² (each item also takes its slot), at most:
 * sizes <= L give E[size²] <= mean·L. The records' own spread would be tighter for one rare
 * large record, but the survivors of evictions are no fair sample of what was evicted: sized
 * by it, 1 in 50 sessions of 40 KB still lost 56 after following the advice.
 */
function spreadOf(mean: number, largest: number): number {
  return Math.max(1, (largest + SLOT_BYTES) / (mean + SLOT_BYTES));
}

/**
 * The file's page size, doubled until a page holds MIN_ITEMS_PER_PAGE items of the mean size
 * and RECORDS_PER_PAGE of the largest (16 MiB at most).
 */
function pageSizeFor(pageSize: number, perItem: number, largest: number): number {
  let size = pageSize;
  while (
    size < MAX_PAGE_SIZE &&
    ((size - PAGE_HEADER_SIZE) / perItem < MIN_ITEMS_PER_PAGE ||
      size - PAGE_HEADER_SIZE < RECORDS_PER_PAGE * largest)
  ) {
    size *= 2;
  }
  return size;
}

/** Which rule took the page past the file's: the largest record's when the mean alone would not. */
function reasonFor(filePageSize: number, pageSize: number, perItem: number): PageSizeReason | null {
  if (pageSize === filePageSize) return null;
  return pageSizeFor(filePageSize, perItem, 0) < pageSize ? 'largestRecord' : 'fewItemsPerPage';
}

/**
 * Pages for `wanted` items of which a page holds `room` (of the mean size): the mean per page k
 * must leave the fullest page room, k + z·σ <= room, σ = sqrt(k·spread·(1 - 1/N)) (binomial,
 * in mean-sized items). `spread` is E[size²] / mean², 1 for items of one size; sizes at most
 * the largest L give E[size²] <= mean·L, so L / mean bounds it. z grows with N, so a few
 * rounds settle N.
 */
function pagesFor(wanted: number, room: number, spread: number): number {
  let pages = Math.max(1, Math.ceil(wanted / room));
  for (let round = 0; round < 4; round++) {
    const z = (Math.sqrt(2 * Math.log(pages)) + 0.5) * Math.sqrt(spread * (1 - 1 / pages));
    const root = (-z + Math.sqrt(z * z + 4 * room)) / 2;
    pages = Math.max(1, Math.ceil(wanted / (root * root)));
  }
  return pages;
}

/** The suggestion for `pages` pages, cut to the largest file the format allows. */
function fit(
  pageSize: number,
  pageSizeReason: PageSizeReason | null,
  pages: number,
  lockStripes: number,
  items: number,
  bytesPerItem: number | null,
): CacheSizeSuggestion {
  const stripes = Math.min(lockStripes, pages);
  const most = Math.floor((MAX_FILE_SIZE - HEADER_SIZE) / pageSize) - stripes;
  const numPages = Math.min(pages, most);
  return {
    cacheSize: numPages * pageSize,
    pageSize,
    pageSizeReason,
    numPages,
    items,
    bytesPerItem,
    capped: pages > most,
  };
}
