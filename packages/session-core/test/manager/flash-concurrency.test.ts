import { describe, expect, it } from 'vitest';
import type { SessionManagerOptions } from '../../src/index.js';
import { cookiePair, managerSetup } from '../helpers.js';

// Overlapping requests of one session that read and queue flash messages: every message
// queued must reach a later read (none lost), whatever order the commits land in.
for (const mode of ['async', 'sync'] as const) {
  describe(`flash messages of overlapping requests (${mode} store access)`, () => {
    const setup = (options: Partial<SessionManagerOptions> = {}) => managerSetup(mode, options);

    async function sessionWith(flash: [string, unknown][]) {
      const { manager } = setup();
      const session = await manager.load<Record<string, unknown>>(undefined);
      session.data.user = 'ann';
      for (const [key, value] of flash) session.flash(key, value);
      const cookie = cookiePair((await session.commit())[0]);
      return { manager, cookie };
    }

    it('keeps read counts of the 32 most recently read empty queues only (keys such as form:<id>)', async () => {
      const { manager, memory } = setup();
      let cookie: string | undefined;
      for (let i = 0; i < 100; i++) {
        const queue = await manager.load<Record<string, unknown>>(cookie);
        queue.data.n = i;
        queue.flash(`form:${i}`, 'saved');
        const [header] = await queue.commit();
        cookie ??= cookiePair(header);
        const read = await manager.load(cookie);
        expect(read.flashes(`form:${i}`)).toEqual(['saved']);
        await read.commit();
      }
      const id = (await manager.load(cookie)).id;
      const meta = (await memory.get(id))!.__fastmmap as { flashTaken?: Record<string, number> };
      expect(Object.keys(meta.flashTaken ?? {})).toEqual(
        Array.from({ length: 32 }, (_, k) => `form:${68 + k}`),
      );
    });

    it('keeps a message queued after two parallel requests both read the earlier one', async () => {
      const { manager, cookie } = await sessionWith([['info', 'm1']]);
      const a = await manager.load(cookie);
      const b = await manager.load(cookie);
      expect(a.flashes('info')).toEqual(['m1']);
      expect(b.flashes('info')).toEqual(['m1']);
      await a.commit();
      const c = await manager.load(cookie);
      c.flash('info', 'm2');
      await c.commit();
      await b.commit(); // its read of m1 must not remove m2
      expect((await manager.load(cookie)).flashes('info')).toEqual(['m2']);
    });

    it('keeps a message queued between a read and its commit, equal messages too', async () => {
      const { manager, cookie } = await sessionWith([['info', 'saved']]);
      const a = await manager.load(cookie);
      const b = await manager.load(cookie);
      expect(a.flashes('info')).toEqual(['saved']);
      const c = await manager.load(cookie);
      c.flash('info', 'saved');
      await c.commit();
      await a.commit();
      expect(b.flashes('info')).toEqual(['saved']);
      await b.commit();
      expect((await manager.load(cookie)).flashes('info')).toEqual(['saved']);
    });

    it('carries the unread messages through a regenerate after another request read some', async () => {
      const { manager, cookie } = await sessionWith([['info', 'm1']]);
      const reader = await manager.load(cookie);
      const late = await manager.load(cookie);
      expect(reader.flashes('info')).toEqual(['m1']);
      expect(late.flashes('info')).toEqual(['m1']);
      await reader.commit();
      const adder = await manager.load(cookie);
      adder.flash('info', 'm2');
      await adder.commit();
      await late.regenerate();
      const fresh = cookiePair((await late.commit())[0]);
      expect((await manager.load(fresh)).flashes('info')).toEqual(['m2']);
    });
    it('keeps a message queued by a worker that writes no flashTaken (an earlier version)', async () => {
      const { manager, memory } = setup();
      const first = await manager.load<Record<string, unknown>>(undefined);
      first.flash('info', 'm0');
      const cookie = cookiePair((await first.commit())[0]);
      const reader = await manager.load(cookie);
      expect(reader.flashes('info')).toEqual(['m0']);
      await reader.commit(); // flashTaken.info is 1 from now on
      const adder = await manager.load(cookie);
      adder.flash('info', 'm1');
      await adder.commit();
      const a = await manager.load(cookie);
      expect(a.flashes('info')).toEqual(['m1']);
      // Meanwhile a worker on the earlier version queues m2: its record keeps no flashTaken.
      await memory.getAndSet(
        first.id,
        (record) => {
          const { flashTaken: _, ...meta } = record!.__fastmmap as Record<string, unknown>;
          const flash = meta.flash as Record<string, unknown[]>;
          return { ...record, __fastmmap: { ...meta, flash: { info: [...flash.info!, 'm2'] } } };
        },
        86_400_000,
      );
      await a.commit(); // its read of m1 must not remove m2
      expect((await manager.load(cookie)).flashes('info')).toEqual(['m2']);
    });
  });
}
