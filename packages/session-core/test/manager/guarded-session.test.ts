// sessionGuard with dataProperties (koa-session style): the names it gives to data.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sessionGuard } from '../../src/adapter.js';
import { managerSetup } from '../helpers.js';

const guard = sessionGuard('ctx.session', { dataProperties: true });

describe('sessionGuard dataProperties', () => {
  it('a name added to the Session prototype after the first session stays a data name', async () => {
    const { manager } = managerSetup('sync');
    const first = guard(await manager.load<Record<string, unknown>>(undefined));
    expect('views' in first).toBe(false); // the guard has seen a session
    const proto = Object.getPrototypeOf(await manager.load(undefined)) as Record<string, unknown>;
    // Defined: assigning a name the Session lacks throws, on its prototype too.
    Object.defineProperty(proto, 'passport', {
      value: 'polluted',
      configurable: true,
      writable: true,
    });
    try {
      const s = guard(await manager.load<Record<string, unknown>>(undefined)) as unknown as Record<
        string,
        unknown
      >;
      s.passport = { user: 'bob' };
      expect(s.passport).toEqual({ user: 'bob' });
      expect((s as unknown as { data: unknown }).data).toEqual({ passport: { user: 'bob' } });
    } finally {
      delete proto.passport;
    }
  });

  it('a member written back unchanged is a no-op; replacing one names the session API', async () => {
    const { manager } = managerSetup('sync');
    const s = guard(await manager.load(undefined)) as unknown as Record<string, unknown>;
    // passport's keepSessionInfo merges a session into itself: a for...in writing back.
    const previous = s;
    for (const key in previous) s[key] = previous[key];
    expect(s.isNew).toBe(true);
    expect(() => {
      s.regenerate = (cb: () => void) => cb(); // koa-passport 6's usual shim
    }).toThrow(/belongs to the session API/);
    expect(Reflect.get(s, '__proto__')).toBeUndefined();
  });

  it('console.log and JSON show the data and not the id, on the Session and through the guard', async () => {
    const { manager } = managerSetup('sync');
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.user = 'ann';
    for (const shown of [inspect(session), inspect(guard(session))]) {
      expect(shown).toBe("Session (new) { user: 'ann' }");
      expect(shown).not.toContain(session.id);
    }
    // And JSON (a framework sending the session as a reply body) gives the data.
    expect(JSON.stringify(session)).toBe('{"user":"ann"}');
    expect(JSON.stringify(guard(session))).toBe('{"user":"ann"}');
  });

  it('sessions of another class first (a wrapper, a second copy) do not hide the members', async () => {
    const { manager } = managerSetup('sync');
    const own = sessionGuard('s', { dataProperties: true });
    // A session of another class seen first: no commitNow, no toJSON among its names.
    const other = Object.preventExtensions({ data: {}, isNew: true, extra: 1 });
    expect(Reflect.get(own(other as never), 'extra')).toBe(1);
    const plain = own(await manager.load<Record<string, unknown>>(undefined));
    expect(typeof plain.commit).toBe('function');
    expect(typeof (plain as unknown as { commitNow: unknown }).commitNow).toBe('function');
    expect(typeof (plain as unknown as { toJSON: unknown }).toJSON).toBe('function');
  });

  it('members written back as they read are no-ops; defining data names the fix', async () => {
    const { manager } = managerSetup('sync');
    const members = {
      get(this: { data: Record<string, unknown> }, key: string) {
        return this.data[key];
      },
    };
    const s = sessionGuard('s', { dataProperties: true, members })(
      await manager.load(undefined),
    ) as unknown as Record<string, unknown>;
    const get = s.get;
    const commit = s.commit;
    s.get = get;
    s.commit = commit;
    expect(() => Object.defineProperty(s, 'user', { value: 1 })).toThrow(
      /s\.user cannot be defined: assign data/,
    );
    expect(() => Reflect.set(s, '__proto__', {})).toThrow(/__proto__ is not a data key/);
  });
});
