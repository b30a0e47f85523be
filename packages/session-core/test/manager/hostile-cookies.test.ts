import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createSessionManager, MemoryStore } from '../../src/index.js';
import { signId } from '../../src/manager/signing.js';
import { SECRET } from '../helpers.js';

const manager = createSessionManager({ secret: SECRET, store: new MemoryStore() });

it('never throws on an arbitrary Cookie header and never adopts an id from it', async () => {
  const header = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc
      .array(fc.tuple(fc.constantFrom('fmsid', 'other', ' fmsid'), fc.string({ maxLength: 120 })), {
        maxLength: 6,
      })
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('; ')),
  );
  await fc.assert(
    fc.asyncProperty(header, async (h) => {
      const session = await manager.load(h);
      expect(session.isNew).toBe(true);
      expect(h.includes(session.id)).toBe(false);
    }),
    { numRuns: 300 },
  );
});

it('refuses a signature over any other id', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.stringMatching(/^[A-Za-z0-9_-]{22,64}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{22,64}$/),
      async (a, b) => {
        fc.pre(a !== b);
        const [idA, sigA] = signId(a, SECRET).split('.');
        const session = await manager.load(`fmsid=${b}.${sigA}`);
        expect(session.isNew).toBe(true);
        expect(idA).toBe(a);
      },
    ),
    { numRuns: 200 },
  );
});
