import type { Server } from 'node:http';
import { FlakyStore } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import express5, { type NextFunction, type Request, type Response } from 'express';
import express4 from 'express4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

// `req.session = null` is cookie-session's logout (and express-session's with
// `unset: 'destroy'`): on a request session() handles, it destroys the session.
const secret = 'express-assign-test-secret-0123456789abcdefgh';
type Data = Record<string, unknown>;

const clearing = /^fmsid=; Max-Age=0/;

// A failed destroy must never be an unhandled rejection.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const servers: Server[] = [];
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const s of servers.splice(0)) await closeServer(s);
});

type Logout = (req: Request, res: Response) => void | Promise<void>;

/** /login stores a user, /me shows the data, /logout runs `onLogout` then answers the data. */
async function startApp(
  onLogout: Logout,
  { store = new MemoryStore(), express = express5 as typeof express5 } = {},
) {
  const app = express();
  const errors: unknown[] = [];
  app.use(session({ secret, store }));
  app.use(async (req, res, next) => {
    try {
      const data = req.session.data as Data;
      if (req.path === '/login') data.user = 'ann';
      if (req.path === '/logout') await onLogout(req, res);
      if (!res.headersSent) res.json({ data: req.session.data, isNew: req.session.isNew });
    } catch (err) {
      next(err);
    }
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    errors.push(err);
    res.status(500).json({ error: (err as { code?: string }).code ?? 'unknown' });
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  const url = await listen(server);
  const login = await fetch(`${url}/login`);
  const cookie = login.headers.getSetCookie()[0]!.split(';', 1)[0]!;
  const me = async () => (await fetch(`${url}/me`, { headers: { cookie } })).json();
  const logout = () => fetch(`${url}/logout`, { headers: { cookie } });
  return { errors, store, me, logout, url };
}

describe.each([
  ['express 5', express5],
  ['express 4', express4 as unknown as typeof express5],
])('req.session = null (%s)', (_name, express) => {
  it('destroys the session and clears the cookie; the old id stays dead', async () => {
    const same: boolean[] = [];
    const app = await startApp(
      (req) => {
        const before = req.session;
        req.session = null;
        same.push(req.session === before);
      },
      { express },
    );
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
    const res = await app.logout();
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(clearing)]);
    expect(same).toEqual([true]);
    expect(await app.me()).toEqual({ data: {}, isNew: true });
    expect(app.errors).toEqual([]);
  });

  it('undefined destroys too; reads afterwards see the destroyed session', async () => {
    const after: unknown[] = [];
    const app = await startApp(
      async (req) => {
        req.session = undefined;
        await req.session.save();
        after.push({ destroyed: req.session.destroyed, data: req.session.data });
      },
      { express },
    );
    const res = await app.logout();
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(clearing)]);
    expect(after).toEqual([{ destroyed: true, data: {} }]);
    expect(await app.me()).toEqual({ data: {}, isNew: true });
  });

  it.each([
    ['an object (cookie-session style)', { user: 'bob' }],
    ['a string', 'bob'],
    ['another session-like object', { data: {}, destroy: () => Promise.resolve() }],
  ])('refuses %s with a typed error that says what to do', async (_kind, value) => {
    const thrown: unknown[] = [];
    const app = await startApp(
      (req) => {
        try {
          (req as { session: unknown }).session = value;
        } catch (err) {
          thrown.push(err);
        }
      },
      { express },
    );
    expect((await app.logout()).status).toBe(200);
    expect(thrown).toEqual([
      expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_UNSUPPORTED_DATA' }),
    ]);
    expect((thrown[0] as Error).message).toMatch(/req\.session\.data/);
    expect((thrown[0] as Error).message).toMatch(/null/);
    // Nothing changed: still logged in.
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
  });

  it.each([
    [
      'req.session = null',
      (req: Request) => {
        req.session = null;
      },
    ],
    [
      'an unawaited destroy()',
      (req: Request) => {
        void req.session.destroy();
      },
    ],
  ])(
    '%s, then a streamed body: the id dies, the cookie the browser keeps is refused',
    async (_how, logOut) => {
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        const app = await startApp(
          (req, res) => {
            logOut(req);
            res.write('bye');
            res.end();
          },
          { express },
        );
        const res = await app.logout();
        expect(await res.text()).toBe('bye');
        // The headers left before the destroy was done: no clearing cookie, and nothing to warn of.
        expect(res.headers.getSetCookie()).toEqual([]);
        expect(await app.me()).toEqual({ data: {}, isNew: true });
        expect(warnings).toEqual([]);
      } finally {
        process.off('warning', onWarning);
      }
    },
  );

  it('a destroy that fails under a streamed body leaves the cookie: the user can log out again', async () => {
    const store = new FlakyStore();
    const app = await startApp(
      (req, res) => {
        req.session = null;
        res.write('bye');
        res.end();
      },
      { store, express },
    );
    store.failStore = true;
    const res = await app.logout();
    expect(res.headers.getSetCookie()).toEqual([]);
    // The commit failed after the headers: Express can only cut the body short.
    await res.text().catch(() => undefined);
    store.failStore = false;
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
    expect((await app.logout()).headers.getSetCookie()).toEqual([]);
    expect(await app.me()).toEqual({ data: {}, isNew: true });
  });

  it('req.session = req.session changes nothing', async () => {
    const app = await startApp(
      (req) => {
        const current = req.session;
        // @ts-expect-error the setter takes only null or undefined (at run time this is a no-op)
        req.session = current;
      },
      { express },
    );
    const res = await app.logout();
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
  });

  it('a failed destroy fails the request like a failed commit, never an unhandled rejection', async () => {
    const store = new FlakyStore();
    const app = await startApp(
      async (req) => {
        req.session = null;
        // Written after the destroy was asked for: must not be committed when it fails.
        (req.session.data as Data).after = true;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
      { store, express },
    );
    store.failStore = true;
    const res = await app.logout();
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'unknown' });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(app.errors).toEqual([expect.objectContaining({ message: 'backend down' })]);
    store.failStore = false;
    // Not destroyed, and the rest of the request was not committed either.
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
    expect(unhandled).toEqual([]);
  });

  it("assigned in a 'finish' listener: still destroyed, a failure a process warning", async () => {
    const store = new FlakyStore();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const finished: Promise<void>[] = [];
      const app = await startApp(
        (req, res) => {
          finished.push(
            new Promise((resolve) =>
              res.on('finish', () => {
                req.session = null;
                resolve();
              }),
            ),
          );
        },
        { store, express },
      );
      expect((await app.logout()).status).toBe(200);
      await finished[0];
      await new Promise((resolve) => setImmediate(resolve));
      expect(await app.me()).toEqual({ data: {}, isNew: true });

      const again = await startApp(
        (req, res) => {
          res.on('finish', () => {
            req.session = null;
          });
        },
        { store, express },
      );
      store.failStore = true;
      expect((await again.logout()).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings).toEqual([expect.objectContaining({ message: 'backend down' })]);
      store.failStore = false;
      expect(await again.me()).toEqual({ data: { user: 'ann' }, isNew: false });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a req.session stubbed before session() (a test double) is left alone', async () => {
    const app = express();
    app.use((req, _res, next) => {
      if (req.path === '/stubbed')
        (req as { session: unknown }).session = { data: { user: 'stub' } };
      next();
    });
    app.use(session({ secret, store: new MemoryStore() }));
    app.get(['/stubbed', '/real'], (req, res) => {
      res.json(req.session.data);
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    const url = await listen(server);
    // Before and after the first request that went through session() hooked the prototypes.
    for (const path of ['/stubbed', '/real', '/stubbed']) {
      const res = await fetch(`${url}${path}`);
      expect(await res.json()).toEqual(path === '/stubbed' ? { user: 'stub' } : {});
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });

  it('regenerate(callback) still moves req.session to a new view', async () => {
    const seen: unknown[] = [];
    const app = await startApp(
      (req) =>
        new Promise<void>((resolve, reject) => {
          const before = req.session;
          req.session.regenerate((err) => {
            if (err) return reject(err);
            seen.push(req.session !== before, before.data, req.session.data);
            resolve();
          });
        }),
      { express },
    );
    expect((await app.logout()).status).toBe(200);
    expect(seen).toEqual([true, { user: 'ann' }, {}]);
  });
});
