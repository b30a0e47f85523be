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
}

/** A geometry that holds the live and the evicted items, with headroom. */
export interface CacheSizeSuggestion {
  /** Bytes of pages, a whole number of pages (`numPages * pageSize`). */
  cacheSize: number;
  /** The file's page size, or a larger one when a page holds too few items to balance. */
  pageSize: number;
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
 * The cacheSize (and pageSize) that would have kept every item the file holds or lost to
 * eviction, from the file's own figures: the items wanted (live + evicted unexpired), the
 * mean record size, and how unevenly items land on pages (the fullest of N pages holds about
 * sqrt(2 ln N) + 0.5 standard deviations more than the mean), plus a quarter to grow. One
 * computation for the pressure warning and the CLI's advice, so they never disagree.
 */
export function suggestCacheSize(facts: SizingFacts): CacheSizeSuggestion {
  const live = Math.max(0, facts.liveItems ?? facts.items);
  const wanted = live + Math.max(0, facts.evictedUnexpired);
  const current = facts.numPages * facts.pageSize;
  if (facts.items <= 0 || facts.bytesUsed <= 0) {
    // Nothing left to measure (a clear after the evictions): twice the room is all we know.
    return fit(facts.pageSize, 2 * facts.numPages, facts.lockStripes, wanted, null);
  }
  const bytesPerItem = facts.bytesUsed / facts.items;
  const perItem = bytesPerItem + SLOT_BYTES;
  const withPages = (pageSize: number) => {
    const room = (pageSize - PAGE_HEADER_SIZE) / perItem;
    const pages = Math.ceil(pagesFor(wanted, room) * GROWTH);
    // Evictions happened at this size: never suggest it, or less.
    const atLeast = Math.floor(current / pageSize) + 1;
    return fit(pageSize, Math.max(pages, atLeast), facts.lockStripes, wanted, bytesPerItem);
  };
  const suggestion = withPages(pageSizeFor(facts.pageSize, perItem));
  // A larger page lowers the largest file the format allows: if that leaves less room than
  // now, keep the file's page size (at most the largest file with it, said by `capped`).
  return suggestion.cacheSize > current ? suggestion : withPages(facts.pageSize);
}

/** The file's page size, doubled until a page holds MIN_ITEMS_PER_PAGE items (16 MiB at most). */
function pageSizeFor(pageSize: number, perItem: number): number {
  let size = pageSize;
  while (size < MAX_PAGE_SIZE && (size - PAGE_HEADER_SIZE) / perItem < MIN_ITEMS_PER_PAGE) {
    size *= 2;
  }
  return size;
}

/**
 * Pages for `wanted` items of which a page holds `room`: the mean per page k must leave the
 * fullest page room, k + z·σ <= room, σ = sqrt(k (1 - 1/N)) (binomial). z grows with N, so a
 * few rounds settle N.
 */
function pagesFor(wanted: number, room: number): number {
  let pages = Math.max(1, Math.ceil(wanted / room));
  for (let round = 0; round < 4; round++) {
    const z = (Math.sqrt(2 * Math.log(pages)) + 0.5) * Math.sqrt(1 - 1 / pages);
    const root = (-z + Math.sqrt(z * z + 4 * room)) / 2;
    pages = Math.max(1, Math.ceil(wanted / (root * root)));
  }
  return pages;
}

/** The suggestion for `pages` pages, cut to the largest file the format allows. */
function fit(
  pageSize: number,
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
    numPages,
    items,
    bytesPerItem,
    capped: pages > most,
  };
}
