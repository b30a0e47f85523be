import { session } from '@fastmmap/koa';
import { MemoryStore, sessionFailures } from '@fastmmap/session-core';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { serve, sessionCookie } from './helpers/serve.js';

const secret = 'koa-unsent-test-secret-0123456789abcdefghijkl';
type Data = Record<string, unknown>;

/** An app whose /raw route answers through ctx.res itself, after `route(ctx)`. */
async function startApp(
  route: (ctx: Koa.Context) => void | Promise<void>,
  options: { rolling?: boolean } = {},
) {
  const store = new MemoryStore();
  const app = new Koa();
  const errors: Error[] = [];
  app.on('error', (err: Error) => errors.push(err));
  const sessions = session({ secret, store, ...options });
  app.use(sessions);
  app.use(async (ctx) => {
    const data = ctx.session.data as Data;
    if (ctx.path === '/raw') {
      data.n = ((data.n as number | undefined) ?? 0) + 1;
      ctx.respond = false;
      await route(ctx);
    } else {
      if (ctx.path === '/login') data.user = 'ann';
      ctx.body = data;
    }
  });
  const url = await serve(app);
  const get = (path: string, cookie?: string) =>
    fetch(url + path, { headers: cookie ? { cookie } : {} });
  return { store, errors, get, manager: sessions.manager };
}

const endRaw = (ctx: Koa.Context) => {
  ctx.res.end('raw');
};

/**
 * /raw with `cookie`, which set a lifetime its response could not carry: reported as owed, and
 * sent by the next response (well inside touchAfter: only the owed lifetime makes it), once.
 */
async function expectOwedLifetime(
  app: Awaited<ReturnType<typeof startApp>>,
  cookie: string,
  maxAge: number,
) {
  const late = await app.get('/raw', cookie);
  await late.text();
  expect(late.headers.getSetCookie()).toEqual([]);
  expect(app.errors).toEqual([expect.objectContaining({ code: 'ERR_SESSION_HEADERS_SENT' })]);
  expect(app.errors[0]!.message).toMatch(/'fmsid'.*until the next response/);
  const next = await app.get('/me', cookie);
  expect(next.headers.getSetCookie()).toEqual([
    expect.stringMatching(new RegExp(`^fmsid=.*Max-Age=${maxAge / 1000}`)),
  ]);
  expect(await next.json()).toEqual({ user: 'ann', n: 1 });
  // Sent once: the response after it has nothing owed.
  expect((await app.get('/me', cookie)).headers.getSetCookie()).toEqual([]);
}

describe('session cookies the response can no longer carry', () => {
  it('a new session: reported by cookie name, and not stored', async () => {
    const app = await startApp(endRaw);
    const res = await app.get('/raw');
    expect(await res.text()).toBe('raw');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(app.errors).toEqual([
      expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_HEADERS_SENT' }),
    ]);
    const { message } = app.errors[0]!;
    expect(message).toMatch(/'fmsid'/);
    expect(message).toMatch(/not stored/);
    expect(message).not.toMatch(/fmsid=/);
    expect(message).not.toContain(secret);
    // Nothing was written that no client could reach.
    expect(app.store.size).toBe(0);
  });

  it('a new session holding data no store can keep: its failed commit is reported and counted', async () => {
    const app = await startApp((ctx) => {
      (ctx.session.data as Data).render = () => 'not data';
      endRaw(ctx);
    });
    const res = await app.get('/raw');
    expect(await res.text()).toBe('raw');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the error follows the raw end
    expect(app.errors).toEqual([expect.objectContaining({ code: 'ERR_SESSION_UNSUPPORTED_DATA' })]);
    expect(sessionFailures(app.manager)).toEqual([
      { operation: 'commit', code: 'ERR_SESSION_UNSUPPORTED_DATA', count: 1 },
    ]);
    expect(app.store.size).toBe(0);
  });

  it('a regenerated id: reported, and the new id not stored (writeHead)', async () => {
    const app = await startApp(async (ctx) => {
      await ctx.session.regenerate();
      ctx.res.writeHead(204);
      ctx.res.end();
    });
    const cookie = sessionCookie(await app.get('/login'));
    expect(app.store.size).toBe(1);
    const res = await app.get('/raw', cookie);
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(app.errors).toEqual([expect.objectContaining({ code: 'ERR_SESSION_HEADERS_SENT' })]);
    expect(app.errors[0]!.message).toMatch(/not stored/);
    // Only the old id's tombstone is in the store; the old cookie finds no session.
    expect(app.store.size).toBe(1);
    expect(await (await app.get('/me', cookie)).json()).toEqual({});
  });

  it.each([
    ['a regenerated id', true],
    ['a new session', false],
  ])(
    '%s a save() stored before a raw write: reported as stored, not as skipped',
    async (_, login) => {
      const app = await startApp(async (ctx) => {
        if (login) await ctx.session.regenerate();
        // Stored now, under an id whose cookie this response will never carry.
        await ctx.session.save();
        ctx.res.end('raw');
      });
      const cookie = login ? sessionCookie(await app.get('/login')) : undefined;
      const res = await app.get('/raw', cookie);
      expect(await res.text()).toBe('raw');
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(app.errors).toEqual([expect.objectContaining({ code: 'ERR_SESSION_HEADERS_SENT' })]);
      const { message } = app.errors[0]!;
      expect(message).toMatch(/'fmsid'/);
      expect(message).not.toMatch(/not stored/);
      expect(message).toMatch(/stored.*no client can reach it/);
      // What the report says: the record is there (the old id's tombstone too, after a login).
      expect(app.store.size).toBe(login ? 2 : 1);
    },
  );

  it('a known id whose cookie is re-sent (rolling): stored, and the next response renews it', async () => {
    const app = await startApp(endRaw, { rolling: true });
    const cookie = sessionCookie(await app.get('/login'));
    await app.get('/raw', cookie);
    // Only a renewal was lost, and it is still due: not worth an error.
    expect(app.errors).toEqual([]);
    const next = await app.get('/me', cookie);
    // The client's cookie still finds the session, with the change.
    expect(await next.json()).toEqual({ user: 'ann', n: 1 });
    expect(next.headers.getSetCookie()).toEqual([expect.stringMatching(/^fmsid=/)]);
  });

  it('a maxAge set after a raw write: stored, reported as owed, sent by the next response', async () => {
    const month = 30 * 86_400_000;
    const app = await startApp((ctx) => {
      ctx.res.write('raw');
      ctx.session.maxAge = month;
      ctx.res.end();
    });
    const cookie = sessionCookie(await app.get('/login'));
    await expectOwedLifetime(app, cookie, month);
  });

  it('a maxAge saved before a raw write: its cookie went nowhere, so the next response sends it', async () => {
    const month = 30 * 86_400_000;
    const app = await startApp(async (ctx) => {
      ctx.session.maxAge = month;
      // Stored now, with a cookie planned that this response will never carry.
      await ctx.session.save();
      ctx.res.end('raw');
    });
    const cookie = sessionCookie(await app.get('/login'));
    await expectOwedLifetime(app, cookie, month);
  });

  it('a maxAge set after a raw write whose headers carried the cookie the app appended: not reported', async () => {
    const app = await startApp((ctx) => {
      ctx.session.maxAge = 86_400_000;
      ctx.append('Set-Cookie', ctx.session.cookieHeaders());
      ctx.res.end('raw');
    });
    const cookie = sessionCookie(await app.get('/login'));
    const res = await app.get('/raw', cookie);
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^fmsid=.*Max-Age=86400/)]);
    expect(app.errors).toEqual([]);
  });

  it.each([
    ['that only changed data', false],
    // save() stores the other request's lifetime with the change (and sends no cookie for it).
    ['whose save() took it', true],
  ])(
    'a lifetime another request set since the load is not reported by a raw write %s',
    async (_, save) => {
      const store = new MemoryStore();
      const app = new Koa();
      const errors: Error[] = [];
      app.on('error', (err: Error) => errors.push(err));
      app.use(session({ secret, store }));
      let loaded!: () => void;
      let release!: () => void;
      const rawLoaded = new Promise<void>((resolve) => (loaded = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      app.use(async (ctx) => {
        const data = ctx.session.data as Data;
        if (ctx.path === '/login') data.user = 'ann';
        if (ctx.path === '/remember') ctx.session.maxAge = 30 * 86_400_000;
        if (ctx.path !== '/raw') {
          ctx.body = data;
          return;
        }
        loaded();
        await gate;
        data.n = 1;
        if (save) await ctx.session.save();
        ctx.respond = false;
        ctx.res.end('raw');
      });
      const url = await serve(app);
      const cookie = sessionCookie(await fetch(`${url}/login`));
      const raw = fetch(`${url}/raw`, { headers: { cookie } });
      await rawLoaded;
      // The "remember me" response carries its cookie; the raw one changed no lifetime.
      const remember = await fetch(`${url}/remember`, { headers: { cookie } });
      expect(remember.headers.getSetCookie()).toEqual([expect.stringMatching(/Max-Age=2592000/)]);
      release();
      expect(await (await raw).text()).toBe('raw');
      expect(errors).toEqual([]);
      expect(await (await fetch(`${url}/me`, { headers: { cookie } })).json()).toEqual({
        user: 'ann',
        n: 1,
      });
    },
  );

  it('without ctx.respond = false, the report does not blame it', async () => {
    const app = new Koa();
    const errors: Error[] = [];
    app.on('error', (err: Error) => errors.push(err));
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      (ctx.session.data as Data).n = 1;
      ctx.res.writeHead(200, { 'content-type': 'text/plain' });
      ctx.res.end('direct');
    });
    const res = await fetch(await serve(app));
    expect(await res.text()).toBe('direct');
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_SESSION_HEADERS_SENT' })]);
    expect(errors[0]!.message).not.toMatch(/ctx\.respond = false/);
    expect(errors[0]!.message).toMatch(/a direct ctx\.res write/);
  });

  it('not reported when the app set the cookie itself before sending the headers', async () => {
    const app = await startApp((ctx) => {
      ctx.append('Set-Cookie', ctx.session.cookieHeaders());
      ctx.res.end('raw');
    });
    const res = await app.get('/raw');
    expect(app.errors).toEqual([]);
    const cookie = sessionCookie(res);
    expect(await (await app.get('/me', cookie)).json()).toEqual({ n: 1 });
  });

  it('not reported with ctx.respond = false while the headers are still unsent', async () => {
    // Whoever answers later (a proxy, a raw stream) sends the cookie the commit appended.
    const app = await startApp((ctx) => {
      setTimeout(() => ctx.res.end('later'), 10);
    });
    const res = await app.get('/raw');
    expect(await res.text()).toBe('later');
    expect(app.errors).toEqual([]);
    expect(await (await app.get('/me', sessionCookie(res))).json()).toEqual({ n: 1 });
  });

  it('ctx.respond = false, answered later by code that sets its own Set-Cookie: both go out', async () => {
    // http-proxy copies an upstream's cookies with setHeader; writeHead(status, headers) too.
    const answers = {
      setHeader: (ctx: Koa.Context) => {
        ctx.res.setHeader('set-cookie', ['upstream=1; Path=/']);
        ctx.res.end('proxied');
      },
      writeHead: (ctx: Koa.Context) => {
        ctx.res.writeHead(200, { 'Set-Cookie': 'upstream=1; Path=/' });
        ctx.res.end('proxied');
      },
      // The same cookie name, set on purpose: that one is sent, not the session's as well.
      sameName: (ctx: Koa.Context) => {
        ctx.res.setHeader('set-cookie', 'fmsid=mine; Path=/');
        ctx.res.end('proxied');
      },
    };
    for (const [name, answer] of Object.entries(answers)) {
      const app = await startApp((ctx) => {
        setTimeout(() => answer(ctx), 10);
      });
      const res = await app.get('/raw');
      expect(await res.text()).toBe('proxied');
      const names = res.headers.getSetCookie().map((c) => c.split('=', 1)[0]);
      if (name === 'sameName') {
        expect(res.headers.getSetCookie()).toEqual(['fmsid=mine; Path=/']);
        continue;
      }
      expect(names).toEqual(['upstream', 'fmsid']);
      expect(await (await app.get('/me', sessionCookie(res))).json()).toEqual({ n: 1 });
    }
  });

  it('not reported for a destroyed session: its tombstone refuses the old cookie', async () => {
    const app = await startApp((ctx) => {
      ctx.session = null;
      ctx.res.end('bye');
    });
    const cookie = sessionCookie(await app.get('/login'));
    await app.get('/raw', cookie);
    expect(app.errors).toEqual([]);
    expect(await (await app.get('/me', cookie)).json()).toEqual({});
  });
});
