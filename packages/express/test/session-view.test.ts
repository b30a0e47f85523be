import type { Server } from 'node:http';
import { inspect } from 'node:util';
import { session } from '@fastmmap/express';
import { MemoryStore, type StoredData } from '@fastmmap/session-core';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

// express-session-style use of req.session: data keys on req.session itself, callbacks.
const secret = 'express-session-view-test-secret-0123456789ab';
type Loose = Record<string, unknown> & {
  save(cb?: (err?: unknown) => void): Promise<void> | undefined;
  regenerate(cb?: (err?: unknown) => void): Promise<void> | undefined;
  reload(cb?: (err?: unknown) => void): Promise<void> | undefined;
  destroy(cb?: (err?: unknown) => void): Promise<void> | undefined;
  touch(cb?: (err?: unknown) => void): Loose;
  resetMaxAge(): Loose;
  data: Record<string, unknown>;
  id: string;
};
const loose = (req: express.Request) => req.session as unknown as Loose;

class CountingStore extends MemoryStore {
  writes = 0;
  override async getAndSet(
    id: string,
    fn: (current: StoredData | undefined) => StoredData | undefined,
    ttlMs: number,
  ): Promise<StoredData | undefined> {
    this.writes++;
    return super.getAndSet(id, fn, ttlMs);
  }
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** An app with one route under test plus GET /data (the stored data, read on a new request). */
async function serve(route: RequestHandler, store = new CountingStore()) {
  const app = express();
  app.use(session({ secret, store }));
  app.get('/data', (req, res) => {
    res.json({ id: req.session.id, data: req.session.data });
  });
  app.all('/route', route);
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(500).json({ code: err.code ?? null });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  const url = await listen(server);
  let jar = '';
  const go = async (path: string) => {
    const res = await fetch(url + path, { headers: jar ? { cookie: jar } : {} });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
    if (set) jar = set.split(';')[0]!;
    // Every route answers a JSON object.
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, body, setCookie: set };
  };
  return { go, store, cookie: () => jar };
}

describe('req.session, express-session style', () => {
  it('req.session.views++ reads and writes req.session.data, and persists', async () => {
    const { go } = await serve((req, res) => {
      const s = loose(req);
      s.views = ((s.views as number | undefined) ?? 0) + 1;
      res.json({ views: s.views, viaData: s.data.views });
    });
    expect((await go('/route')).body).toEqual({ views: 1, viaData: 1 });
    expect((await go('/route')).body).toEqual({ views: 2, viaData: 2 });
    expect((await go('/data')).body.data).toEqual({ views: 2 });
  });

  it("'in', Object.keys, spread, JSON.stringify, inspect and delete see the data only", async () => {
    const { go } = await serve((req, res) => {
      const s = loose(req);
      if (req.query.step === 'set') {
        s.data.a = 1;
        s.b = { nested: true };
        res.json({ ok: true });
        return;
      }
      const seen = {
        inA: 'a' in s,
        inRegenerate: 'regenerate' in s,
        inMissing: 'missing' in s,
        keys: Object.keys(s),
        spread: { ...s },
        json: JSON.parse(JSON.stringify(s)),
        inspected: inspect(s),
        own: Object.hasOwn(s, 'b'),
      };
      delete s.a;
      res.json(seen);
    });
    await go('/route?step=set');
    expect((await go('/route')).body).toEqual({
      inA: true,
      inRegenerate: true,
      inMissing: false,
      keys: ['a', 'b'],
      spread: { a: 1, b: { nested: true } },
      json: { a: 1, b: { nested: true } },
      inspected: inspect({ a: 1, b: { nested: true } }),
      own: true,
    });
    expect((await go('/data')).body.data).toEqual({ b: { nested: true } });
  });

  it('a data key named like an API member goes through .data; assigning the member throws', async () => {
    const { go } = await serve((req, res) => {
      const s = loose(req);
      s.data.id = 'mine';
      let code: unknown;
      try {
        // @ts-expect-error the type forbids it too; this checks the runtime refuses it
        s.destroy = 1;
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      res.json({ sessionId: s.id, dataId: s.data.id, code });
    });
    const { body } = await go('/route');
    expect(body.sessionId).not.toBe('mine');
    expect(body).toMatchObject({ dataId: 'mine', code: 'ERR_SESSION_UNSUPPORTED_DATA' });
    expect((await go('/data')).body.data).toEqual({ id: 'mine' });
  });

  it('save(cb) commits before the callback; the response then writes only what changed since', async () => {
    const store = new CountingStore();
    const { go } = await serve((req, res, next) => {
      const s = loose(req);
      s.a = 1;
      s.save((err) => {
        if (err) return next(err);
        const writesAtSave = store.writes;
        store.get(s.id).then((stored) => {
          if (req.query.more) s.b = 2;
          res.json({ writesAtSave, storedA: stored?.a ?? null });
        }, next);
      });
    }, store);
    expect((await go('/route')).body).toEqual({ writesAtSave: 1, storedA: 1 });
    // Nothing changed after save: the end of the response wrote nothing more.
    expect(store.writes).toBe(1);
    await go('/route?more=1');
    // a unchanged, so save wrote nothing; b was written at the end: one write.
    expect(store.writes).toBe(2);
    expect((await go('/data')).body.data).toEqual({ a: 1, b: 2 });
  });

  it('save() without a callback returns a Promise', async () => {
    const store = new CountingStore();
    const { go } = await serve(async (req, res) => {
      loose(req).a = 1;
      await req.session.save();
      res.json({ writes: store.writes });
    }, store);
    expect((await go('/route')).body).toEqual({ writes: 1 });
  });

  it('save() without a callback, not awaited (express-session style): a failure is no unhandled rejection, the response reports it', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { go } = await serve((req, res) => {
        loose(req).big = 'x'.repeat(2 * 1024 * 1024);
        loose(req).save(); // express-session's save() without a callback returns nothing
        res.json({ saved: true });
      });
      const answer = await go('/route');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(answer).toMatchObject({ status: 500, body: { code: 'ERR_SESSION_TOO_LARGE' } });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('regenerate(cb): new id, empty data, a new req.session; the old object keeps the old data', async () => {
    const { go, cookie } = await serve((req, res, next) => {
      const before = loose(req);
      if (req.query.step === 'set') {
        before.user = 'anon';
        res.json({ ok: true });
        return;
      }
      before.regenerate((err) => {
        if (err) return next(err);
        const after = loose(req);
        after.fresh = true;
        res.json({
          sameObject: after === before,
          oldData: { ...before },
          newData: { ...after },
          oldId: before.id === after.id,
        });
      });
    });
    await go('/route?step=set');
    const first = await go('/data');
    const oldCookie = cookie();
    const { body } = await go('/route');
    expect(body).toMatchObject({
      sameObject: false,
      oldData: { user: 'anon' },
      newData: { fresh: true },
    });
    const after = await go('/data');
    expect(after.body.id).not.toBe(first.body.id);
    expect(after.body.data).toEqual({ fresh: true });
    expect(cookie()).not.toBe(oldCookie);
  });

  it("regenerate(cb) starts from the default lifetime; maxAge is the session's, not data", async () => {
    const { go } = await serve((req, res, next) => {
      const s = loose(req);
      if (req.query.step === 'remember') {
        s.user = 'ann';
        req.session.maxAge = 30 * 86_400_000;
        res.json({
          maxAge: req.session.maxAge,
          keys: Object.keys(req.session),
          has: 'maxAge' in s,
        });
        return;
      }
      s.regenerate((err) => {
        if (err) return next(err);
        loose(req).fresh = true;
        res.json({ maxAge: req.session.maxAge });
      });
    });
    const remember = await go('/route?step=remember');
    expect(remember.body).toEqual({ maxAge: 30 * 86_400_000, keys: ['user'], has: true });
    // As express-session's regenerate: a new session with a new (default) cookie.
    expect((await go('/route')).body).toEqual({ maxAge: 86_400_000 });
  });

  it("req.session.cookie is express-session's: maxAge for remember me, expires = false", async () => {
    const { go } = await serve((req, res) => {
      const s = loose(req);
      s.user = 'ann';
      // The express-session idiom, unchanged.
      if (req.query.remember) req.session.cookie.maxAge = 30 * 86_400_000;
      else req.session.cookie.expires = false;
      res.json({
        maxAge: req.session.cookie.maxAge,
        own: req.session.maxAge,
        httpOnly: req.session.cookie.httpOnly,
        keys: Object.keys(req.session),
        data: s.data,
      });
    });
    const remember = await go('/route?remember=1');
    expect(remember.body).toEqual({
      maxAge: 30 * 86_400_000,
      own: 30 * 86_400_000,
      httpOnly: true,
      keys: ['user'],
      data: { user: 'ann' },
    });
    expect(remember.setCookie).toContain('; Max-Age=2592000;');
    const forget = await go('/route');
    expect(forget.body).toMatchObject({ maxAge: null, own: null });
    expect(forget.setCookie).toBeDefined();
    expect(forget.setCookie).not.toContain('Max-Age');
    expect(forget.setCookie).not.toContain('Expires');
  });

  it('req.sessionID follows req.session.id, through regenerate; assigning it shadows it', async () => {
    const { go } = await serve(async (req, res) => {
      loose(req).user = 'ann';
      const before = [req.sessionID, req.session.id];
      await req.session.regenerate();
      const after = [req.sessionID, req.session.id];
      req.sessionID = 'mine';
      res.json({ before, after, assigned: req.sessionID, id: req.session.id });
    });
    const { body } = await go('/route');
    const [beforeId, beforeSession] = body.before as string[];
    const [afterId, afterSession] = body.after as string[];
    expect(beforeId).toBe(beforeSession);
    expect(afterId).toBe(afterSession);
    expect(afterId).not.toBe(beforeId);
    expect(body.assigned).toBe('mine');
    expect(body.id).toBe(afterId);
  });

  it("req.flash() is connect-flash's: queue, format, arrays, read one type or all", async () => {
    const { go } = await serve((req, res) => {
      if (req.query.step === 'queue') {
        // Queuing returns how many of that type are unread, as connect-flash does.
        const counts = [
          req.flash('info', 'saved'),
          req.flash('info', ['a', 'b']),
          req.flash('error', '%s of %d failed', 'one', 3),
          req.flash('info', []),
        ];
        req.flash('empty', ''); // a falsy message reads, as in connect-flash
        res.json({ counts });
        return;
      }
      if (req.query.step === 'more') {
        res.json({ count: req.flash('info', 'c') });
        return;
      }
      res.json({ info: req.flash('info'), rest: req.flash(), after: req.flash() });
    });
    expect((await go('/route?step=queue')).body).toEqual({ counts: [1, 3, 1, null] });
    expect((await go('/route?step=more')).body).toEqual({ count: 4 });
    expect((await go('/route')).body).toEqual({
      info: ['saved', 'a', 'b', 'c'],
      rest: { error: ['one of 3 failed'] },
      after: {},
    });
  });

  it('req.session.__proto__ is not a data key: assigning it throws, the data keeps its prototype', async () => {
    const { go } = await serve((req, res) => {
      const s = loose(req);
      let thrown: string | null = null;
      try {
        Reflect.set(s, '__proto__', { isAdmin: true });
      } catch (err) {
        thrown = (err as { code?: string }).code ?? 'other';
      }
      res.json({
        thrown,
        isAdmin: s.isAdmin ?? null,
        text: `${req.session}`,
        proto: Reflect.get(s, '__proto__') ?? null,
        ctor: s.constructor ?? null,
      });
    });
    expect((await go('/route')).body).toEqual({
      thrown: 'ERR_SESSION_UNSUPPORTED_DATA',
      isAdmin: null,
      text: '[object Object]',
      proto: null,
      ctor: null,
    });
  });

  it("req.session[a][b] = v reaches no built-in; Object.prototype's methods still work on the view", async () => {
    const { go } = await serve((req, res) => {
      const s = loose(req);
      s.views = 1;
      Object.assign(s.data, { toLocaleString: 'mine' }); // a data key of that name is the data's
      // express-session's req.session inherits these; here they are the view's own copies.
      const methods = {
        // biome-ignore lint/suspicious/noPrototypeBuiltins: the view's method is under test
        hasOwn: [s.hasOwnProperty('views'), s.hasOwnProperty('toString')],
        // biome-ignore lint/suspicious/noPrototypeBuiltins: the view's method is under test
        enumerable: s.propertyIsEnumerable('views'),
        text: [String(req.session), `${req.session}`, s.toString()],
        valueOf: s.valueOf() === req.session,
        dataKey: s.toLocaleString,
        in: ['toString' in s, 'constructor' in s, 'fmInherited' in s],
        constructor: typeof s.constructor,
      };
      // A name only Object.prototype has (polluted elsewhere) is no data either.
      Object.defineProperty(Object.prototype, 'fmInherited', { value: 1, configurable: true });
      let inherited: unknown;
      try {
        inherited = s.fmInherited ?? null;
      } finally {
        delete (Object.prototype as { fmInherited?: unknown }).fmInherited;
      }
      // What an app does with client-chosen keys: the defect set Object.prototype.toString.call.
      const reached: string[] = [];
      for (const group of [
        'toString',
        'hasOwnProperty',
        'valueOf',
        'isPrototypeOf',
        'propertyIsEnumerable',
        'constructor',
        '__defineGetter__',
      ]) {
        const builtin = (Object.prototype as unknown as Record<string, object>)[group]!;
        try {
          (s[group] as Record<string, unknown> | undefined) ??= {};
          (s[group] as Record<string, unknown>).call = 'pwned';
        } finally {
          // Undone at once, so a regression fails this test and not the process.
          if (Object.hasOwn(builtin, 'call')) {
            reached.push(group);
            delete (builtin as { call?: unknown }).call;
          }
        }
      }
      res.json({ methods, inherited, reached });
    });
    expect((await go('/route')).body).toEqual({
      methods: {
        hasOwn: [true, false],
        enumerable: true,
        text: ['[object Object]', '[object Object]', '[object Object]'],
        valueOf: true,
        dataKey: 'mine',
        in: [true, false, false],
        constructor: 'undefined',
      },
      inherited: null,
      reached: [],
    });
    // Names no own method has are data keys like any other.
    expect((await go('/data')).body.data).toEqual({
      views: 1,
      toLocaleString: 'mine',
      constructor: { call: 'pwned' },
      __defineGetter__: { call: 'pwned' },
    });
  });

  it('connect-flash (which writes req.session.flash) gets an error naming the fix', async () => {
    const app = express();
    app.use(session({ secret, store: new MemoryStore() }));
    // What connect-flash's middleware and its req.flash do.
    app.get('/', (req, res) => {
      const s = req.session as unknown as Record<string, unknown>;
      try {
        s.flash = s.flash || {};
        res.json({ thrown: null });
      } catch (err) {
        res.json({ thrown: (err as Error).message });
      }
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    const body = (await (await fetch(await listen(server))).json()) as { thrown: string };
    expect(body.thrown).toContain('connect-flash is not needed');
    expect(body.thrown).toContain('req.flash()');
  });

  it('regenerate() without a callback keeps the data and the object (our API)', async () => {
    const { go } = await serve(async (req, res) => {
      const before = req.session;
      loose(req).user = 'ann';
      await req.session.regenerate();
      res.json({ sameObject: before === req.session, user: loose(req).user });
    });
    expect((await go('/route')).body).toEqual({ sameObject: true, user: 'ann' });
  });

  it('reload(cb) drops unsaved changes; after an unsaved regenerate it fails with a typed error', async () => {
    const { go } = await serve((req, res, next) => {
      const s = loose(req);
      if (req.query.step === 'set') {
        s.kept = 1;
        res.json({ ok: true });
      } else if (req.query.step === 'reload') {
        s.kept = 2;
        s.unsaved = true;
        s.reload((err) => (err ? next(err) : res.json({ ...loose(req) })));
      } else {
        req.session.regenerate().then(() => s.reload((err) => next(err)), next);
      }
    });
    await go('/route?step=set');
    expect((await go('/route?step=reload')).body).toEqual({ kept: 1 });
    expect((await go('/data')).body.data).toEqual({ kept: 1 });
    expect(await go('/route?step=regenerate')).toMatchObject({
      status: 500,
      body: { code: 'ERR_SESSION_DESTROYED' },
    });
  });

  it('reload() finds a session created and saved in the same request', async () => {
    const { go } = await serve(async (req, res) => {
      loose(req).n = 1;
      await req.session.save();
      loose(req).n = 2;
      await req.session.reload();
      res.json({ n: loose(req).n });
    });
    expect((await go('/route')).body).toEqual({ n: 1 });
  });

  it("touch() and resetMaxAge() chain as express-session's do, and re-send the cookie", async () => {
    const { go, cookie } = await serve((req, res) => {
      const s = loose(req);
      if (req.query.step === 'set') {
        s.n = 1;
        res.json({ n: s.n });
        return;
      }
      res.json({ n: s.n, chained: s.resetMaxAge().touch() === loose(req) });
    });
    expect((await go('/route?step=set')).body).toEqual({ n: 1 });
    const before = cookie();
    const again = await go('/route');
    expect(again.body).toEqual({ n: 1, chained: true });
    expect(again.setCookie).toMatch(/^fmsid=.*Max-Age=86400/);
    expect(cookie()).toBe(before);
  });

  it('destroy(cb) and touch(cb) call back', async () => {
    const { go, cookie } = await serve((req, res, next) => {
      const s = loose(req);
      if (req.query.step === 'set') {
        s.n = 1;
        s.touch(() => res.json({ touched: true }));
        return;
      }
      s.destroy((err) => (err ? next(err) : res.json({ destroyed: req.session.destroyed })));
    });
    expect((await go('/route?step=set')).body).toEqual({ touched: true });
    const id = (await go('/data')).body.id;
    expect((await go('/route')).body).toEqual({ destroyed: true });
    expect(cookie()).toBe('fmsid=');
    expect((await go('/data')).body.id).not.toBe(id);
  });

  it('a failed save(cb) gets the error (a too-large session)', async () => {
    const { go } = await serve((req, res) => {
      loose(req).big = 'x'.repeat(2 * 1024 * 1024);
      loose(req).save((err) => {
        delete loose(req).big;
        res.json({ code: (err as { code?: string } | undefined)?.code ?? null });
      });
    });
    expect((await go('/route')).body).toEqual({ code: 'ERR_SESSION_TOO_LARGE' });
  });
});
