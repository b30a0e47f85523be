import { initPageImage } from './file.js';
import { slotHash } from './hash.js';
import { hiddenFromFind } from './hidden-record.js';
import {
  dataStart,
  H_SPARES,
  HEADER_SIZE,
  P_COPY_FROM,
  P_DROPPED,
  P_EVICTIONS,
  P_EVICTIONS_UNEXPIRED,
  P_EXPIRED,
  P_FREE_DATA,
  P_INDEX,
  P_ITEMS,
  P_LIVE_BYTES,
  P_MAGIC,
  P_NUM_SLOTS,
  P_REPAIRS,
  P_RETIME_AT,
  P_TOMBSTONES,
  PAGE_HEADER_SIZE,
  PAGE_MAGIC,
  RECORD_HEADER_SIZE,
  SD_GEN,
  SD_LENGTH,
  SD_NO_PAGE,
  SD_PAGE,
  SD_PENDING,
  SD_STATE,
  SLOT_EMPTY,
  SLOT_MAX_LOAD,
  SLOT_TOMBSTONE,
  SPARE_DESC_SIZE,
  W_HASH,
  W_KEY_LEN,
  W_LAST_ACCESS,
} from './layout.js';
import type { PageStore } from './page-store.js';
import { hook } from './test-hooks.js';

/**
 * Compaction evicts only when the survivors and the new record do not fit the data area (every
 * eviction of a live session logs a user out: a nearly full page compacts again on its next
 * write rather than give up a session early), and then least recently used records until the
 * rest fill at most this share of it.
 */
const EVICT_DOWN_TO = 0.9;

/**
 * Rebuilds pages: compaction with LRU eviction, repair of torn pages, and the spare-page redo
 * log that makes both survive a process killed half-way. Called with the stripe lock held and
 * the page's write marker set.
 */
export class Compactor {
  /**
   * Per stripe, views of its spare page: a new page image is built right there (not in a
   * private buffer copied over afterwards, which cost one more page-sized copy per compaction),
   * then copied into place. While it is built the spare's descriptor says "nothing pending".
   */
  private readonly spares: Buffer[] = [];
  private readonly sparesU32: Uint32Array[] = [];
  /** Work arrays, allocated once. */
  private readonly rels: Uint32Array;
  /** The slot each entry of rels was found in (for the reachability walk). */
  private readonly relSlots: Uint32Array;
  private readonly order: Float64Array;
  private readonly dropped: Uint8Array;
  /** Where each kept record lands in the image being built. */
  private readonly positions: Uint32Array;

  constructor(private readonly store: PageStore) {
    const pageSize = store.pageSize;
    for (let stripe = 0; stripe < store.stripes; stripe++) {
      const at = this.spareBase(stripe);
      this.spares.push(store.map.subarray(at, at + pageSize));
      this.sparesU32.push(
        new Uint32Array(store.mapBuffer, store.mapByteOffset + at, pageSize >>> 2),
      );
    }
    this.rels = new Uint32Array(store.maxSlots);
    this.relSlots = new Uint32Array(store.maxSlots);
    this.order = new Float64Array(store.maxSlots + 1);
    this.dropped = new Uint8Array(store.maxSlots);
    this.positions = new Uint32Array(store.maxSlots);
  }

  /** A page whose header is garbage cannot be walked: start it over (its records are lost). */
  reinitPage(page: number): void {
    const base = this.store.base(page);
    initPageImage(this.spares[page % this.store.stripes]!, 0, this.store.pageSize, page);
    this.store.u32[(base + P_MAGIC) >>> 2] = PAGE_MAGIC;
    this.store.u32[(base + P_INDEX) >>> 2] = page;
    this.commitImage(page, dataStart(this.store.initialSlots));
  }

  /**
   * Empties a page, keeping its counters, through the stripe's spare page as a compaction's
   * image: a death half-way leaves the page as it was or is redone, never half-cleared (its
   * remaining records, cut off from their probe chains, would be dropped as corrupt).
   */
  emptyPage(page: number): void {
    const base = this.store.base(page);
    const stripe = page % this.store.stripes;
    const image = this.spares[stripe]!;
    const img = this.sparesU32[stripe]!;
    const slots = this.store.initialSlots;
    image.set(
      new Uint8Array(
        this.store.mapBuffer,
        this.store.mapByteOffset + base + P_COPY_FROM,
        PAGE_HEADER_SIZE - P_COPY_FROM,
      ),
      P_COPY_FROM,
    );
    img[P_RETIME_AT >>> 2] = 0;
    image.fill(0, PAGE_HEADER_SIZE, dataStart(slots));
    img[P_NUM_SLOTS >>> 2] = slots;
    img[P_ITEMS >>> 2] = 0;
    img[P_TOMBSTONES >>> 2] = 0;
    img[P_FREE_DATA >>> 2] = dataStart(slots);
    img[P_LIVE_BYTES >>> 2] = 0;
    hook('clear:mid');
    this.commitImage(page, dataStart(slots));
  }

  /**
   * Rebuilds a page without garbage and expired records, evicting least recently used records
   * if the survivors plus `need` bytes would not leave enough room. `keepRel` (the record being
   * replaced) is evicted last, and only if the new record cannot fit beside it. With
   * `validate`, records failing their checks are dropped and counted; so are, always, records
   * their key's lookup cannot reach (hiddenFromFind). The new image goes to the
   * stripe's spare page first, so a death while it is copied into place can be redone.
   * Returns the number of unexpired records evicted.
   */
  compact(page: number, need: number, keepRel: number, now: number, validate: boolean): number {
    const base = this.store.base(page);
    const u32 = this.store.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const headerFreeData = u32[(base + P_FREE_DATA) >>> 2]!;
    // A repair may meet a damaged data end: records are only looked for inside the page.
    const freeData = Math.min(headerFreeData, this.store.pageSize);
    const start = dataStart(numSlots);
    const slots = (base + PAGE_HEADER_SIZE) >>> 2;
    const rels = this.rels;
    const relSlots = this.relSlots;
    let found = 0;
    let bad = 0;
    let records = 0;
    let tombstones = 0;
    for (let i = 0; i < numSlots; i++) {
      const rel = u32[slots + i]!;
      if (rel === SLOT_EMPTY) continue;
      if (rel === SLOT_TOMBSTONE) {
        tombstones++;
        continue;
      }
      records++;
      if (
        validate
          ? !this.store.recordOk(base, page, rel, start, freeData)
          : !this.store.inBounds(base, rel, start, freeData)
      ) {
        bad++;
        continue;
      }
      relSlots[found] = i;
      rels[found++] = rel;
    }
    // Only damage hides a record (an empty slot over its probe chain) or leaves two of one key,
    // and such damage leaves the header's counts off: a put's compaction of a page whose
    // counts match skips these checks.
    const suspect =
      validate ||
      records !== u32[(base + P_ITEMS) >>> 2] ||
      tombstones !== u32[(base + P_TOMBSTONES) >>> 2];
    let hidden: number[] | undefined;
    if (suspect) {
      hidden = this.takeHidden(base, found, numSlots, headerFreeData);
      found -= hidden.length;
    }
    // Keep the surviving records in their current order (oldest writes first); a damaged slot
    // table may point twice at one record: keep it once.
    rels.subarray(0, found).sort();
    // Not counted as dropped: nothing is lost, the key's newer record stays (the repair is).
    if (suspect) found -= this.dropOlderCopies(base, found);
    if (hidden !== undefined) bad += this.countHidden(base, found, hidden);
    let kept = 0;
    let keptBytes = 0;
    let expired = 0;
    let previous = -1;
    for (let j = 0; j < found; j++) {
      const rel = rels[j]!;
      if (rel === previous) continue;
      previous = rel;
      const exp = this.store.f64[(base + rel + 8) >>> 3]!;
      if (exp !== 0 && now >= exp) {
        expired++;
        continue;
      }
      rels[kept++] = rel;
      keptBytes += this.store.sizeAt(base + rel);
    }
    const capacity = (s: number) => this.store.pageSize - dataStart(s);
    let slotCount = this.slotsFor(kept, keptBytes, need);
    // A rebuild that adds nothing (a repair, a purge's) evicts nothing that fits the page as it
    // is: slotsFor would double a table at its load limit, and the smaller data area would then
    // push out live records the page held a moment ago.
    if (
      need === 0 &&
      keptBytes > capacity(slotCount) &&
      numSlots <= this.store.maxSlots &&
      kept <= numSlots * SLOT_MAX_LOAD &&
      keptBytes <= capacity(numSlots)
    ) {
      slotCount = numSlots;
    }
    let evicted = 0;
    // The record being replaced stays in the image (a death before its successor is written
    // must leave the old value), but the put retires it: the eviction thresholds leave its bytes
    // out, or rewriting a big session would evict a neighbour to keep a value about to go.
    let keepIdx = -1;
    let keepBytes = 0;
    for (let j = 0; j < kept && keepRel >= 0; j++) {
      if (rels[j] !== keepRel) continue;
      keepIdx = j;
      keepBytes = this.store.sizeAt(base + keepRel);
      break;
    }
    // Live records are evicted only if even without the old value there is no room; when only
    // the old value stands in the way, it alone goes (below).
    const evictLive =
      keptBytes - keepBytes + need > capacity(slotCount) ||
      (need > 0 && kept + 1 > slotCount * SLOT_MAX_LOAD);
    const fillTarget = evictLive ? EVICT_DOWN_TO : 1;
    if (evictLive || keptBytes + need > capacity(slotCount)) {
      const order = this.order;
      const dropped = this.dropped;
      dropped.fill(0, 0, kept);
      // A last access in the future was made before the clock was set back: unknown, so it
      // counts as the oldest (a use since refreshes it), not as newer than everything since.
      const nowSec = Math.floor(now / 1000);
      for (let j = 0; j < kept; j++) {
        const lastAccess = u32[((base + rels[j]!) >>> 2) + W_LAST_ACCESS]!;
        order[j] = (lastAccess > nowSec ? 0 : lastAccess) * 2 ** 21 + j;
      }
      order.subarray(0, kept).sort();
      let survivors = kept;
      let next = 0; // the least recently used record not yet considered
      for (;;) {
        // Room is measured with the smallest slot table the survivors may have (3/4 full at
        // most), not the half-full one slotsFor prefers: a roomier table is not worth a live
        // entry. (The image still gets slotsFor's table when the records fit it.)
        slotCount = this.fullestSlots(survivors);
        const cap = capacity(slotCount);
        const after = keptBytes - keepBytes + need; // once the put retired the old value
        // A record over half a page evicts only what it needs (otherwise it would empty the page).
        const roomy = after <= cap * fillTarget || (need > cap / 2 && after <= cap);
        const slotsOk = survivors + 1 <= slotCount * SLOT_MAX_LOAD;
        if (roomy && slotsOk && keptBytes + need <= cap) break;
        while (next < kept && order[next]! % 2 ** 21 === keepIdx) next++;
        // The old value goes first when only it stands in the way (readers then miss the key
        // until the put is done, rather than lose a neighbour for good), or last of all.
        const oldFirst = keepBytes > 0 && (roomy || next >= kept);
        const victim = oldFirst ? keepIdx : next < kept ? order[next++]! % 2 ** 21 : -1;
        if (victim < 0) break;
        dropped[victim] = 1;
        keptBytes -= this.store.sizeAt(base + rels[victim]!);
        survivors--;
        if (victim === keepIdx) keepBytes = 0;
        else evicted++; // replacing a value is not losing it
      }
      slotCount = this.slotsFor(survivors, keptBytes, need);
      if (survivors < kept) {
        let k = 0;
        for (let j = 0; j < kept; j++) if (dropped[j] === 0) rels[k++] = rels[j]!;
        kept = k;
      }
    }
    // Build the new page image in the stripe's spare page.
    const stripe = page % this.store.stripes;
    const image = this.spares[stripe]!;
    const img = this.sparesU32[stripe]!;
    const mapBuffer = this.store.mapBuffer;
    const mapOffset = this.store.mapByteOffset;
    image.set(
      new Uint8Array(mapBuffer, mapOffset + base + P_COPY_FROM, PAGE_HEADER_SIZE - P_COPY_FROM),
      P_COPY_FROM,
    );
    img[P_RETIME_AT >>> 2] = 0; // no touch is in progress in the new image
    image.fill(0, PAGE_HEADER_SIZE, dataStart(slotCount));
    const mask = slotCount - 1;
    const positions = this.positions;
    let pos = dataStart(slotCount);
    for (let j = 0; j < kept; j++) {
      const off = base + rels[j]!;
      const len = this.store.sizeAt(off);
      // A view and set() instead of Buffer#copy: skips its argument handling, per record.
      image.set(new Uint8Array(mapBuffer, mapOffset + off, len), pos);
      positions[j] = pos;
      pos += len;
    }
    // Slots are given newest record first: of two records of one key that an unchecked
    // compaction kept (damage whose counts a second damage squared), the newer then comes
    // first on the key's probe chain, so get() gives the key's last write, as a rebuild keeps.
    for (let j = kept - 1; j >= 0; j--) {
      const at = positions[j]!;
      let i = slotHash(img[(at >>> 2) + W_HASH]!) & mask;
      while (img[(PAGE_HEADER_SIZE >>> 2) + i] !== SLOT_EMPTY) i = (i + 1) & mask;
      img[(PAGE_HEADER_SIZE >>> 2) + i] = at;
    }
    img[P_NUM_SLOTS >>> 2] = slotCount;
    img[P_ITEMS >>> 2] = kept;
    img[P_TOMBSTONES >>> 2] = 0;
    img[P_FREE_DATA >>> 2] = pos;
    img[P_LIVE_BYTES >>> 2] = pos - dataStart(slotCount);
    addImage64(img, P_EXPIRED, expired);
    addImage64(img, P_EVICTIONS, expired * (need > 0 ? 1 : 0) + evicted);
    addImage64(img, P_EVICTIONS_UNEXPIRED, evicted);
    addImage64(img, P_DROPPED, bad);
    this.commitImage(page, pos);
    return evicted;
  }

  /**
   * Drops from rels[0, found) (ascending: oldest writes first) every entry for a record of a
   * key that a newer record also holds, keeping the order; returns how many entries. Two sound
   * records of one key come only from damage (a slot pointing at a replaced record's intact
   * bytes): the newer is the key's last write. Left in, the page would fail every check and
   * be rebuilt on each purge.
   */
  private dropOlderCopies(base: number, found: number): number {
    const u32 = this.store.u32;
    const map = this.store.map;
    const rels = this.rels;
    const dropped = this.dropped;
    dropped.fill(0, 0, found);
    const newer = new Map<number, number[]>(); // key hash -> records already kept
    let stale = 0;
    for (let j = found - 1; j >= 0; j--) {
      const rel = rels[j]!;
      const w = (base + rel) >>> 2;
      const hash = u32[w + W_HASH]!;
      const klen = u32[w + W_KEY_LEN]!;
      const key = base + rel + RECORD_HEADER_SIZE;
      const same = newer.get(hash) ?? [];
      // Two slots pointing at one record are left to compact(), which keeps it once.
      const copy = same.some((other) => {
        const at = base + other + RECORD_HEADER_SIZE;
        return (
          other !== rel &&
          u32[((base + other) >>> 2) + W_KEY_LEN] === klen &&
          map.compare(map, at, at + klen, key, key + klen) === 0
        );
      });
      if (copy) {
        dropped[j] = 1;
        stale++;
      } else if (same.length === 0) {
        newer.set(hash, [rel]);
      } else {
        same.push(rel);
      }
    }
    if (stale > 0) {
      let k = 0;
      for (let j = 0; j < found; j++) if (dropped[j] === 0) rels[k++] = rels[j]!;
    }
    return stale;
  }

  /**
   * Removes from rels[0, found) (their slots in relSlots) the records find() cannot reach for
   * their keys (hiddenFromFind), keeping the others' order; returns the removed ones.
   */
  private takeHidden(base: number, found: number, numSlots: number, freeData: number): number[] {
    const rels = this.rels;
    const hidden: number[] = [];
    let k = 0;
    for (let j = 0; j < found; j++) {
      if (hiddenFromFind(this.store, base, this.relSlots[j]!, numSlots, freeData)) {
        hidden.push(rels[j]!);
      } else {
        rels[k++] = rels[j]!;
      }
    }
    return hidden;
  }

  /**
   * How many of the records find() could not reach (`hidden`) the rebuild drops as lost: not
   * those another slot of the kept rels[0, found) reaches, nor stale copies of a key whose
   * record is kept (nothing the reads saw goes with them).
   */
  private countHidden(base: number, found: number, hidden: number[]): number {
    const kept = this.rels.subarray(0, found);
    let lost = 0;
    for (const rel of new Set(hidden)) {
      if (kept.includes(rel)) continue;
      if (!kept.some((other) => this.sameKey(base, rel, other))) lost++;
    }
    return lost;
  }

  /** Whether the records at `a` and `b` of the page at `base` hold the same key. */
  private sameKey(base: number, a: number, b: number): boolean {
    const u32 = this.store.u32;
    const wa = (base + a) >>> 2;
    const wb = (base + b) >>> 2;
    const klen = u32[wa + W_KEY_LEN]!;
    if (u32[wa + W_HASH] !== u32[wb + W_HASH] || u32[wb + W_KEY_LEN] !== klen) return false;
    const map = this.store.map;
    const ka = base + a + RECORD_HEADER_SIZE;
    const kb = base + b + RECORD_HEADER_SIZE;
    return map.compare(map, ka, ka + klen, kb, kb + klen) === 0;
  }

  /** Slot table size for `kept` records: half full, shrunk if the table itself costs the room. */
  private slotsFor(kept: number, keptBytes: number, need: number): number {
    let s = Math.max(
      this.store.initialSlots,
      2 ** Math.ceil(Math.log2(Math.max(1, (kept + 1) * 2))),
    );
    s = Math.min(s, this.store.maxSlots);
    while (
      s > this.store.minSlots &&
      kept + 1 <= (s / 2) * SLOT_MAX_LOAD &&
      dataStart(s) + keptBytes + need > this.store.pageSize
    )
      s /= 2;
    return s;
  }

  /** The smallest slot table that holds `kept` records and one more at most 3/4 full. */
  private fullestSlots(kept: number): number {
    let s = this.store.minSlots;
    while (s < this.store.maxSlots && kept + 1 > s * SLOT_MAX_LOAD) s *= 2;
    return s;
  }

  // ---- spare pages: redo log for compaction --------------------------------------------------

  private spareDesc(stripe: number): number {
    return (H_SPARES + stripe * SPARE_DESC_SIZE) >>> 2;
  }

  private spareBase(stripe: number): number {
    return HEADER_SIZE + (this.store.numPages + stripe) * this.store.pageSize;
  }

  /**
   * If a process died while copying a compacted image into its page, copy it again from the
   * stripe's spare, close the page's write marker and count the repair (stripe lock held).
   * Returns the page redone, or -1.
   */
  redoPendingSpare(stripe: number): number {
    const d = this.spareDesc(stripe);
    const i32 = this.store.i32;
    const u32 = this.store.u32;
    const state = i32[d + SD_STATE]!; // stripe lock held: only its holder writes this
    if (state !== SD_PENDING) return -1;
    const page = u32[d + SD_PAGE]!;
    const len = u32[d + SD_LENGTH]!;
    const valid =
      page < this.store.numPages &&
      page % this.store.stripes === stripe &&
      len > P_COPY_FROM &&
      len <= this.store.pageSize;
    const g = valid ? this.store.genIndex(this.store.base(page)) : 0;
    const gen = valid ? u32[g]! : 0;
    const stamp = u32[d + SD_GEN]!;
    // A pending image always belongs to a page whose write marker is still set, by the write
    // that made it pending (the generation it stamped), or by a redo of it (its own, stamped
    // just before it is taken: 2 ahead of the page's only while a stamp is ahead of the page,
    // which no stale stamp is); anything else is a stale or damaged descriptor: copying it
    // would destroy a healthy page, or roll a torn one back to an old image (a flipped state
    // bit, then a writer killed in the page the stripe last compacted).
    const stamped = stamp === gen || stamp === 0 || stamp === (gen + 2) >>> 0;
    if (!valid || (gen & 1) === 0 || !stamped) {
      this.settle(d);
      return -1;
    }
    const from = this.spareBase(stripe);
    // The descriptor is outside every checksum: its page number may be damaged. An image whose
    // records do not all belong to that page is not copied over it; the page, torn, is then
    // repaired from what checks out in it (ensurePage).
    if (!this.imageBelongsTo(from, page, len)) {
      this.settle(d);
      return -1;
    }
    // The copy gets an odd generation of its own, as ensurePage's rebuild does: a reader
    // without locks that judged the dead writer's generation reads through it at once, and
    // would read the page half copied (keys it found a moment ago missing). It is stamped
    // before it is taken, so a redo killed at any point leaves a stamp this check accepts
    // (even one of an older build's image, stamped 0), and the state stays pending: older
    // builds redo only that state, and a redo killed mid-copy otherwise lost the page's
    // uncopied records when one of them locked the stripe next (a rolling reload).
    u32[d + SD_GEN] = (gen + 2) >>> 0;
    Atomics.add(i32, g, 2);
    const base = this.store.base(page);
    this.store.map.copy(this.store.map, base + P_COPY_FROM, from + P_COPY_FROM, from + len);
    hook('repair:mid');
    this.settle(d);
    this.store.add64(base + P_REPAIRS, 1);
    Atomics.add(i32, g, 1);
    return page;
  }

  /**
   * For a reader without locks that took the odd generation `gen` of `page` for a dead
   * writer's: where the stripe's spare page holds the image that writer was copying over the
   * page (what the next locker's redo puts in place), or -1. The spare is written again only
   * after a redo has moved the page's generation on, so the reader's seqlock check of `gen`
   * covers the spare too. Stricter than the redo: an older build's image (stamped 0) is not
   * taken, and the page is read as it is.
   */
  pendingImage(page: number, gen: number): number {
    const stripe = page % this.store.stripes;
    const d = this.spareDesc(stripe);
    const u32 = this.store.u32;
    if (Atomics.load(this.store.i32, d + SD_STATE) !== SD_PENDING) return -1;
    const len = u32[d + SD_LENGTH]!;
    const stamp = u32[d + SD_GEN]!;
    // The dead writer's stamp, or a redoer's killed before it took its generation (gen + 2).
    const stamped = stamp === gen >>> 0 || stamp === (gen + 2) >>> 0;
    if (u32[d + SD_PAGE] !== page || !stamped || len <= P_COPY_FROM || len > this.store.pageSize)
      return -1;
    const from = this.spareBase(stripe);
    // What the redo refuses, the reader does not read either: that page is repaired instead.
    return this.imageBelongsTo(from, page, len) ? from : -1;
  }

  /**
   * Whether the page image at `image` (a spare) is one for `page` of `len` bytes: a sane slot
   * table whose every record passes its checksum and hashes to `page`. Runs only when a
   * compaction's copy is redone after a crash, so it may check every record.
   */
  private imageBelongsTo(image: number, page: number, len: number): boolean {
    const store = this.store;
    const u32 = store.u32;
    const numSlots = u32[(image + P_NUM_SLOTS) >>> 2]!;
    const freeData = u32[(image + P_FREE_DATA) >>> 2]!;
    if (
      numSlots < store.minSlots ||
      numSlots > store.maxSlots ||
      (numSlots & (numSlots - 1)) !== 0 ||
      freeData !== len ||
      freeData < dataStart(numSlots)
    ) {
      return false;
    }
    const start = dataStart(numSlots);
    const slots = (image + PAGE_HEADER_SIZE) >>> 2;
    for (let i = 0; i < numSlots; i++) {
      const rel = u32[slots + i]!;
      if (rel <= SLOT_TOMBSTONE) continue;
      if (!store.recordOk(image, page, rel, start, freeData)) return false;
    }
    return true;
  }

  /** Marks the image built in the stripe's spare page pending, then copies it into the page. */
  private commitImage(page: number, len: number): void {
    const stripe = page % this.store.stripes;
    const d = this.spareDesc(stripe);
    const spare = this.spareBase(stripe);
    const map = this.store.map;
    const base = this.store.base(page);
    this.store.u32[d + SD_PAGE] = page;
    this.store.u32[d + SD_LENGTH] = len;
    // The page's generation now (odd: this write's): a redo must find it unchanged.
    this.store.u32[d + SD_GEN] = this.store.u32[this.store.genIndex(base)]!;
    Atomics.store(this.store.i32, d + SD_STATE, SD_PENDING);
    hook('compact:after-spare');
    const half = (len + P_COPY_FROM) >>> 1;
    map.copy(map, base + P_COPY_FROM, spare + P_COPY_FROM, spare + half);
    hook('compact:mid');
    map.copy(map, base + half, spare + half, spare + len);
    hook('compact:before-commit');
    this.settle(d);
  }

  /**
   * Marks the descriptor at `d` done. The page and generation are cleared too: a version that
   * predates the generation word leaves it as it finds it when it makes an image pending, and a
   * generation left from this compaction would make its redo look stale (the page it died in
   * then lost records); a flipped state bit still finds no page to copy over.
   */
  private settle(d: number): void {
    Atomics.store(this.store.i32, d + SD_STATE, 0);
    this.store.u32[d + SD_PAGE] = SD_NO_PAGE;
    this.store.u32[d + SD_GEN] = 0;
  }
}

function addImage64(img: Uint32Array, at: number, n: number): void {
  if (n === 0) return;
  const w = at >>> 2;
  const lo = img[w]! + n;
  if (lo > 0xffffffff) {
    img[w] = lo - 0x100000000;
    img[w + 1]! += 1;
  } else {
    img[w] = lo;
  }
}
