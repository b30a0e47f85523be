import { request, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { session } from '@fastmmap/express';
import { MemoryStore, type Store, type StoredData } from '@fastmmap/session-core';
import express, { type ErrorRequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-middleware-test-secret-0123456789abcdef';
type Data = Record<string, unknown>;

/** A MemoryStore whose writes can be slowed down or made to fail, and that logs them. */
class InstrumentedStore extends MemoryStore {
  writeDelayMs = 0;
  failGet = false;
  readonly log: string[] = [];

  override async get(id: string): Promise<StoredData | undefined> {
    if (this.failGet) throw new Error('backend down');
    return super.get(id);
  }

  override async getAndSet(
    id: string,
    fn: (current: StoredData | undefined) => StoredData | undefined,
    ttlMs: number,
  ): Promise<StoredData | undefined> {
    if (this.writeDelayMs > 0) await delay(this.writeDelayMs);
    const result = await super.getAndSet(id, fn, ttlMs);
    this.log.push('committed');
    return result;
  }
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function serve(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

function cookieOf(res: Response): string {
  const value = res.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
  if (!value) throw new Error('no session cookie');
  return value.split(';')[0]!;
}

describe('@fastmmap/express session()', () => {
  it('finishes the response only after the commit (no lost write after a redirect)', async () => {
    const store = new InstrumentedStore();
    store.writeDelayMs = 150;
    const app = express();
    app.use(session({ secret, store }));
    app.post('/login', (req, res) => {
      (req.session.data as Data).user = 'ann';
      res.redirect(303, '/me');
    });
    app.get('/me', (req, res) => {
      res.json(req.session.data);
    });
    const url = await serve(app);
    const res = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual' });
    // The response (status line included) arrives only once the store has the write.
    expect(store.log).toEqual(['committed']);
    expect(res.status).toBe(303);
    const me = await fetch(`${url}/me`, { headers: { cookie: cookieOf(res) } });
    expect(await me.json()).toEqual({ user: 'ann' });
  });

  it('with a synchronous store (Store.sync), hands on the request and ends the response in the call', async () => {
    const seen: { sync: boolean; loadedInCall: boolean; endedInCall: boolean }[] = [];
    for (const store of [new MemoryStore(), new InstrumentedStore()]) {
      const app = express();
      let inMiddleware = false;
      app.use((_req, _res, next) => {
        inMiddleware = true;
        next();
        inMiddleware = false;
      });
      app.use(session({ secret, store }));
      app.get('/', (req, res) => {
        const loadedInCall = inMiddleware;
        const data = req.session.data as Data;
        data.n = ((data.n as number | undefined) ?? 0) + 1;
        res.json({ n: data.n });
        // Only a request with a cookie reads the store (a new session needs no read).
        if (req.headers.cookie !== undefined) {
          seen.push({
            sync: store.sync !== undefined,
            loadedInCall,
            endedInCall: res.writableEnded,
          });
        }
      });
      const url = await serve(app);
      const first = await fetch(url);
      const second = await fetch(url, { headers: { cookie: cookieOf(first) } });
      expect(await second.json()).toEqual({ n: 2 });
    }
    // InstrumentedStore overrides get and getAndSet, so it has no Store.sync: promise path.
    expect(seen).toEqual([
      { sync: true, loadedInCall: true, endedInCall: true },
      { sync: false, loadedInCall: false, endedInCall: false },
    ]);
  });

  it('sets the cookie on streamed bodies and keeps other Set-Cookie headers', async () => {
    const store = new InstrumentedStore();
    const app = express();
    app.use(session({ secret, store }));
    app.get('/stream', (req, res) => {
      res.cookie('theme', 'dark');
      (req.session.data as Data).streamed = true;
      res.write('a');
      setTimeout(() => res.end('b'), 20);
    });
    app.get('/me', (req, res) => {
      res.json(req.session.data);
    });
    const url = await serve(app);
    const res = await fetch(`${url}/stream`);
    expect(await res.text()).toBe('ab');
    const names = res.headers.getSetCookie().map((c) => c.split('=')[0]);
    expect(names.sort()).toEqual(['fmsid', 'theme']);
    const me = await fetch(`${url}/me`, { headers: { cookie: cookieOf(res) } });
    expect(await me.json()).toEqual({ streamed: true });
  });

  describe('a session changed after the first streamed chunk', () => {
    /** Runs `fn` and collects the ERR_SESSION_HEADERS_SENT warnings emitted meanwhile. */
    async function headersSentWarnings(fn: () => Promise<void>): Promise<string[]> {
      const warnings: string[] = [];
      const onWarning = (warning: Error & { code?: string }) => {
        if (warning.code === 'ERR_SESSION_HEADERS_SENT') warnings.push(warning.message);
      };
      process.on('warning', onWarning);
      try {
        await fn();
        // Warnings are emitted on the next tick.
        await delay(10);
      } finally {
        process.off('warning', onWarning);
      }
      return warnings;
    }

    it('a cookie refresh falling due during a long stream is not worth a warning; maxAge set after the first chunk is', async () => {
      let now = 1_800_000_000_000;
      const clock = () => now;
      for (const rolling of [false, true]) {
        const store = new MemoryStore({ clock });
        const app = express();
        app.use(session({ secret, store, clock, touchAfter: 1000, rolling }));
        app.get('/login', (req, res) => {
          (req.session.data as Data).user = 'ann';
          res.json({ ok: true });
        });
        app.get('/download', (_req, res) => {
          res.write('chunk ');
          now += 5000; // a long download: the touch falls due meanwhile
          res.end('done');
        });
        app.get('/remember-me-late', (req, res) => {
          res.write('chunk ');
          req.session.maxAge = 30 * 86_400_000;
          res.end('done');
        });
        app.get('/me', (req, res) => {
          res.json(req.session.data);
        });
        const url = await serve(app);
        const cookie = cookieOf(await fetch(`${url}/login`));
        const quiet = await headersSentWarnings(async () => {
          await (await fetch(`${url}/download`, { headers: { cookie } })).text();
        });
        expect(quiet).toEqual([]);
        const warnings = await headersSentWarnings(async () => {
          await (await fetch(`${url}/remember-me-late`, { headers: { cookie } })).text();
        });
        expect(warnings).toHaveLength(1);
        // The warning says what happens next: the cookie is owed, not lost.
        expect(warnings[0]).toMatch(
          /the session was stored; the client's cookie keeps its old lifetime until the next response, which sends the new one\. Set maxAge before the first write/,
        );
        expect(warnings[0]).not.toMatch(/does not get this cookie|regenerate\(\)/);
        // The next response that can carry the cookie sends it with the new lifetime (before,
        // only once a refresh fell due: a browser closed before that logged the user out).
        const next = await fetch(`${url}/me`, { headers: { cookie } });
        const sent = next.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
        expect(sent).toMatch(/Max-Age=2592000/);
      }
    });

    it('a lifetime another request set while the body streamed is not warned about', async () => {
      const app = express();
      app.use(session({ secret, store: new MemoryStore() }));
      let streaming!: () => void;
      let release!: () => void;
      const started = new Promise<void>((resolve) => (streaming = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      app.get('/login', (req, res) => {
        (req.session.data as Data).user = 'ann';
        res.json({ ok: true });
      });
      app.get('/remember', (req, res) => {
        req.session.maxAge = 30 * 86_400_000;
        res.json({ ok: true });
      });
      app.get('/feed', async (req, res) => {
        res.write('chunk ');
        streaming();
        await gate;
        // Its commit stores the other request's lifetime with this change: not one set here.
        (req.session.data as Data).seen = true;
        res.end('done');
      });
      const url = await serve(app);
      const cookie = cookieOf(await fetch(`${url}/login`));
      const warnings = await headersSentWarnings(async () => {
        const feed = fetch(`${url}/feed`, { headers: { cookie } });
        await started;
        const remember = await fetch(`${url}/remember`, { headers: { cookie } });
        expect(remember.headers.getSetCookie()).toEqual([expect.stringMatching(/Max-Age=2592000/)]);
        release();
        expect(await (await feed).text()).toBe('chunk done');
      });
      expect(warnings).toEqual([]);
    });

    for (const sync of [true, false]) {
      const kind = sync ? 'a synchronous store' : 'an asynchronous store';
      /** An app of this store kind whose /login stores a user. */
      const loginApp = () => {
        const store = sync ? new MemoryStore() : new InstrumentedStore();
        const app = express();
        app.use(session({ secret, store }));
        app.get('/login', (req, res) => {
          (req.session.data as Data).user = 'ann';
          res.json({ ok: true });
        });
        return { store, app };
      };

      it(`with ${kind}: a new session is not stored (no cookie could reach it) and the app is warned once`, async () => {
        const store = sync ? new MemoryStore() : new InstrumentedStore();
        const app = express();
        app.use(session({ secret, store }));
        app.get('/late', (req, res) => {
          res.write('chunk ');
          (req.session.data as Data).user = 'ann';
          res.end('done');
        });
        const url = await serve(app);
        const warnings = await headersSentWarnings(async () => {
          for (let i = 0; i < 3; i++) {
            const res = await fetch(`${url}/late`);
            expect(await res.text()).toBe('chunk done');
            expect(res.headers.getSetCookie()).toEqual([]);
          }
        });
        expect(store.size).toBe(0);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(
          /session cookie 'fmsid' could not be sent: .*the new session was not stored/,
        );
      });

      it(`with ${kind}: a regenerate after the first chunk is not stored and warned; a data change of a known session is stored without a warning`, async () => {
        const { store, app } = loginApp();
        app.get('/late-change', (req, res) => {
          res.write('chunk ');
          (req.session.data as Data).seen = true;
          res.end('done');
        });
        app.get('/late-regenerate', async (req, res) => {
          res.write('chunk ');
          await req.session.regenerate();
          (req.session.data as Data).user = 'bob';
          res.end('done');
        });
        app.get('/me', (req, res) => {
          res.json(req.session.data);
        });
        const url = await serve(app);
        const cookie = cookieOf(await fetch(`${url}/login`));
        const quiet = await headersSentWarnings(async () => {
          await (await fetch(`${url}/late-change`, { headers: { cookie } })).text();
        });
        expect(quiet).toEqual([]);
        const me = await fetch(`${url}/me`, { headers: { cookie } });
        expect(await me.json()).toEqual({ user: 'ann', seen: true });

        const sizeBefore = store.size;
        const warnings = await headersSentWarnings(async () => {
          const res = await fetch(`${url}/late-regenerate`, { headers: { cookie } });
          expect(await res.text()).toBe('chunk done');
          expect(res.headers.getSetCookie()).toEqual([]);
        });
        expect(warnings).toHaveLength(1);
        // The old id is a tombstone now; the new one was never written.
        expect(store.size).toBe(sizeBefore);
      });

      it(`with ${kind}: a regenerate and save() after the first chunk is warned as stored but unreachable, not as not stored`, async () => {
        const { store, app } = loginApp();
        app.get('/late-save', async (req, res) => {
          res.write('chunk ');
          await req.session.regenerate();
          (req.session.data as Data).user = 'bob';
          await req.session.save();
          res.end('done');
        });
        const url = await serve(app);
        const cookie = cookieOf(await fetch(`${url}/login`));
        const sizeBefore = store.size;
        const warnings = await headersSentWarnings(async () => {
          const res = await fetch(`${url}/late-save`, { headers: { cookie } });
          expect(await res.text()).toBe('chunk done');
          expect(res.headers.getSetCookie()).toEqual([]);
        });
        // save() wrote the new id beside the old one's tombstone.
        expect(store.size).toBe(sizeBefore + 1);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).not.toMatch(/not stored/);
        expect(warnings[0]).toMatch(/stored by an earlier save\(\).*no client can reach it/);
      });
    }
  });

  it('keeps a Set-Cookie passed to writeHead and adds the session cookie', async () => {
    const app = express();
    app.use(session({ secret, store: new InstrumentedStore() }));
    app.get('/raw', (req, res) => {
      (req.session.data as Data).raw = true;
      res.writeHead(200, 'Fine', { 'set-cookie': 'theme=dark', 'content-type': 'text/plain' });
      res.end('raw');
    });
    // Node's array forms: flat, and pairs.
    app.get('/flat', (req, res) => {
      (req.session.data as Data).raw = true;
      res.writeHead(200, ['Set-Cookie', 'theme=dark', 'Set-Cookie', 'lang=en', 'X-Kind', 'flat']);
      res.end('flat');
    });
    app.get('/pairs', (req, res) => {
      (req.session.data as Data).raw = true;
      res.writeHead(200, [
        ['Set-Cookie', 'theme=dark'],
        ['X-Kind', 'pairs'],
      ] as unknown as string[]);
      res.end('pairs');
    });
    const url = await serve(app);
    const res = await fetch(`${url}/raw`);
    expect(res.statusText).toBe('Fine');
    expect(res.headers.get('content-type')).toBe('text/plain');
    const names = res.headers.getSetCookie().map((c) => c.split('=')[0]);
    expect(names.sort()).toEqual(['fmsid', 'theme']);
    const flat = await fetch(`${url}/flat`);
    expect(flat.headers.get('x-kind')).toBe('flat');
    expect(flat.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual([
      'theme',
      'lang',
      'fmsid',
    ]);
    const pairs = await fetch(`${url}/pairs`);
    expect(pairs.headers.get('x-kind')).toBe('pairs');
    expect(pairs.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['theme', 'fmsid']);
    // No reason, but the headers third: Node reads them there.
    app.get('/no-reason', (req, res) => {
      (req.session.data as Data).raw = true;
      res.writeHead(200, undefined, { 'set-cookie': 'theme=dark' });
      res.end('no reason');
    });
    // Both: Node applies only the third (the second is no reason, and no headers either).
    app.get('/two', (req, res) => {
      (req.session.data as Data).raw = true;
      res.writeHead(200, { 'x-a': 'a' } as unknown as string, { 'x-b': 'b' });
      res.end('two');
    });
    const two = await fetch(`${url}/two`);
    expect([two.headers.get('x-a'), two.headers.get('x-b')]).toEqual([null, 'b']);
    expect(two.headers.getSetCookie()).toHaveLength(1);
    const noReason = await fetch(`${url}/no-reason`);
    expect(
      noReason.headers
        .getSetCookie()
        .map((c) => c.split('=')[0])
        .sort(),
    ).toEqual(['fmsid', 'theme']);
  });

  it('with an asynchronous store, a response sent twice goes out as the first one, as without sessions', async () => {
    const store = new InstrumentedStore();
    store.writeDelayMs = 30;
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'FASTMMAP_EXPRESS_SECOND_END') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      const app = express();
      app.use(session({ secret, store }));
      app.get('/then-throw', (req, res) => {
        (req.session.data as Data).answered = true;
        res.json({ ok: true });
        throw new Error('after the answer');
      });
      app.get('/twice', (req, res) => {
        (req.session.data as Data).twice = true;
        res.send('first');
        res.status(201).set('x-second', 'yes').send('second');
      });
      // A second answer that writes headers or a body, or appends to a header in place.
      app.get('/then-write-head', (req, res) => {
        (req.session.data as Data).head = true;
        res.json({ first: 'answer' });
        res.writeHead(500, { 'Content-Length': '7' });
        res.end('second!');
      });
      app.get('/then-stream', (req, res) => {
        (req.session.data as Data).stream = true;
        res.json({ first: 'answer' });
        res.status(500);
        res.write('streamed second ', () => res.end('x'));
      });
      app.get('/then-append', (req, res) => {
        res.cookie('a', '1').cookie('b', '2');
        (req.session.data as Data).append = true;
        res.json({ first: 'answer' });
        res.appendHeader('Set-Cookie', 'second=leaked');
        res.status(500).end();
      });
      app.get('/me', (req, res) => {
        res.json(req.session.data);
      });
      const seen: unknown[] = [];
      // The error handler the Express guide recommends.
      const onError: ErrorRequestHandler = (err, _req, res, next) => {
        seen.push((err as Error).message);
        if (res.headersSent) return next(err);
        res.status(500).json({ error: 'internal' });
      };
      app.use(onError);
      const url = await serve(app);

      const thrown = await fetch(`${url}/then-throw`);
      expect(thrown.status).toBe(200);
      expect(await thrown.json()).toEqual({ ok: true });
      expect(seen).toEqual(['after the answer']);
      const cookie = cookieOf(thrown);

      const twice = await fetch(`${url}/twice`, { headers: { cookie } });
      expect(twice.status).toBe(200);
      expect(twice.headers.get('x-second')).toBeNull();
      expect(await twice.text()).toBe('first');
      for (const path of ['/then-write-head', '/then-stream', '/then-append']) {
        const res = await fetch(`${url}${path}`, { headers: { cookie } });
        expect(res.status, path).toBe(200);
        expect(await res.json(), path).toEqual({ first: 'answer' });
        const names = res.headers.getSetCookie().map((c) => c.split('=', 1)[0]);
        expect(names, path).not.toContain('second');
      }
      const me = await fetch(`${url}/me`, { headers: { cookie } });
      expect(await me.json()).toEqual({
        answered: true,
        twice: true,
        head: true,
        stream: true,
        append: true,
      });
      // Said once per process, not once per response.
      await delay(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/answered again/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("hands a too-large session to the app's error handler with a typed error", async () => {
    const store = new InstrumentedStore();
    const app = express();
    app.use(session({ secret, store }));
    app.get('/big', (req, res) => {
      (req.session.data as Data).big = 'x'.repeat(2 * 1024 * 1024);
      res.json({ ok: true });
    });
    const seen: unknown[] = [];
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      seen.push(err);
      res.status(500).json({ error: 'internal' });
    };
    app.use(onError);
    const url = await serve(app);
    const res = await fetch(`${url}/big`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal' });
    // No cookie for a session that was never stored.
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ name: 'SessionError', code: 'ERR_SESSION_TOO_LARGE' });
  });

  it('commits what a request changed before it failed, once the error handler answers', async () => {
    const app = express();
    app.use(session({ secret, store: new InstrumentedStore() }));
    app.post('/fail', (req) => {
      const data = req.session.data as Data;
      data.attempts = ((data.attempts as number | undefined) ?? 0) + 1;
      throw new Error('handler failed');
    });
    app.get('/me', (req, res) => {
      res.json(req.session.data);
    });
    const onError: ErrorRequestHandler = (_err, _req, res, _next) => {
      res.status(500).type('html').send('<h1>Sorry</h1>');
    };
    app.use(onError);
    const url = await serve(app);
    // A new session: the error page carries its cookie.
    const first = await fetch(`${url}/fail`, { method: 'POST' });
    expect(first.status).toBe(500);
    expect(await first.text()).toBe('<h1>Sorry</h1>');
    const cookie = cookieOf(first);
    await fetch(`${url}/fail`, { method: 'POST', headers: { cookie } });
    expect(await (await fetch(`${url}/me`, { headers: { cookie } })).json()).toEqual({
      attempts: 2,
    });
  });

  it("a commit that fails on the error handler's response goes on to Express's final handler", async () => {
    const app = express();
    app.use(session({ secret, store: new InstrumentedStore() }));
    app.get('/fail', (req) => {
      (req.session.data as Data).big = 'x'.repeat(2 * 1024 * 1024);
      throw new Error('original');
    });
    const seen: unknown[] = [];
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      seen.push(err);
      res.status(500).json({ error: 'app' });
    };
    app.use(onError);
    const url = await serve(app);
    const res = await fetch(`${url}/fail`);
    // The app's handler saw the original error; the commit's error, raised while its answer
    // was being sent, is behind it in the stack, so Express's final handler answers (as with
    // express-session). Still a 500, still no cookie for what was not stored.
    expect(seen).toEqual([expect.objectContaining({ message: 'original' })]);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).not.toContain(secret);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  describe('save() that fails on data a store cannot keep (an ORM object)', () => {
    class User {
      name = 'ann';
    }
    /** POST /route runs `route` after putting a User in the session; errors answer JSON. */
    async function failingSaveApp(route: express.RequestHandler) {
      const app = express();
      app.use(session({ secret, store: new InstrumentedStore() }));
      app.post('/route', (req, res, next) => {
        (req.session as unknown as Data).user = new User();
        route(req, res, next);
      });
      const seen: unknown[] = [];
      const onError: ErrorRequestHandler = (err, _req, res, _next) => {
        seen.push(err);
        res.status(500).json({ error: 'app', code: err.code });
      };
      app.use(onError);
      const url = await serve(app);
      const res = await fetch(`${url}/route`, { method: 'POST', redirect: 'manual' });
      return { res, seen };
    }

    it("after save(cb) failed, the error handler's answer is the one that goes out", async () => {
      // express-session-era code: save(cb) before a redirect.
      const { res, seen } = await failingSaveApp((req, res, next) => {
        req.session.save((err) => (err ? next(err) : res.redirect('/')));
      });
      expect(seen).toHaveLength(1);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'app', code: 'ERR_SESSION_UNSUPPORTED_DATA' });
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it('when the app swallows the error and answers 200, the failure is reported again', async () => {
      const { res, seen } = await failingSaveApp(async (req, res) => {
        await req.session.save().catch(() => {});
        res.json({ ok: true });
      });
      expect(res.status).toBe(500);
      expect(seen).toEqual([expect.objectContaining({ code: 'ERR_SESSION_UNSUPPORTED_DATA' })]);
    });
  });

  /** An app whose GET /set writes the session; its URL and the cookie of a first session. */
  async function writerApp(store: InstrumentedStore): Promise<{ url: string; cookie: string }> {
    const app = express();
    app.use(session({ secret, store }));
    app.get('/set', (req, res) => {
      (req.session.data as Data).n = 1;
      res.json({ ok: true });
    });
    const url = await serve(app);
    return { url, cookie: cookieOf(await fetch(`${url}/set`)) };
  }

  it('a store that throws on load gives a 500 without the secret', async () => {
    const store = new InstrumentedStore();
    const { url, cookie } = await writerApp(store);
    store.failGet = true;
    const res = await fetch(`${url}/set`, { headers: { cookie } });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(secret);
    store.failGet = false;
    expect((await fetch(`${url}/set`, { headers: { cookie } })).status).toBe(200);
  });

  it('a store that cannot serve gives a 503 through the final handler, at load and at commit', async () => {
    const store = new InstrumentedStore();
    const { url, cookie } = await writerApp(store);
    await store.close(); // ERR_SESSION_STORE_UNAVAILABLE from here on
    const atLoad = await fetch(`${url}/set`, { headers: { cookie } });
    const atCommit = await fetch(`${url}/set`);
    expect([atLoad.status, atCommit.status]).toEqual([503, 503]);
    expect(atCommit.headers.getSetCookie()).toEqual([]);
  });

  it('mounted twice, the first middleware wins and commits once', async () => {
    const store = new InstrumentedStore();
    const app = express();
    const first = session({ secret, store });
    const router = express.Router();
    router.use(session({ secret, store }));
    router.get('/x', (req, res) => {
      (req.session.data as Data).x = 1;
      res.json({ id: req.session.id });
    });
    app.use(first, router);
    const url = await serve(app);
    const res = await fetch(`${url}/x`);
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(store.log).toEqual(['committed']);
  });

  it('refuses a second session() for another cookie name on one request, instead of ignoring it', async () => {
    const store = new InstrumentedStore();
    const app = express();
    const errors: unknown[] = [];
    app.use(session({ secret, store }));
    app.use('/admin', session({ secret: `${secret}-admin`, store, name: 'adm' }));
    app.get(['/admin/x', '/x'], (req, res) => {
      (req.session.data as Data).x = 1;
      res.json({ ok: true });
    });
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: unknown) => {
      errors.push(err);
      res.status(500).end();
    });
    const url = await serve(app);
    expect((await fetch(`${url}/x`)).status).toBe(200);
    expect((await fetch(`${url}/admin/x`)).status).toBe(500);
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'ERR_SESSION_OPTIONS',
        message: expect.stringMatching(/cookies "fmsid" and "adm"/),
      }),
    ]);
  });

  it('marks the cookie Secure behind a trusted HTTPS proxy', async () => {
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(session({ secret, store: new InstrumentedStore() }));
    app.get('/x', (req, res) => {
      (req.session.data as Data).x = 1;
      res.end();
    });
    const url = await serve(app);
    const viaProxy = await new Promise<string[]>((resolve, reject) => {
      request(`${url}/x`, { headers: { 'x-forwarded-proto': 'https' } }, (res) => {
        res.resume();
        resolve(res.headers['set-cookie'] ?? []);
      })
        .on('error', reject)
        .end();
    });
    expect(viaProxy[0]).toMatch(/; Secure/i);
    const direct = await fetch(`${url}/x`);
    expect(direct.headers.getSetCookie()[0]).not.toMatch(/; Secure/i);
  });

  it('close() leaves a shared manager open', async () => {
    const store: Store = new InstrumentedStore();
    const owner = session({ secret, store });
    const borrower = session({ manager: owner.manager });
    expect(borrower.manager).toBe(owner.manager);
    await borrower.close();
    const s = await owner.manager.load(undefined);
    expect(s.isNew).toBe(true);
  });
});
