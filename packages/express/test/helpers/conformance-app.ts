import { setTimeout as delay } from 'node:timers/promises';
import type { AppHandle } from '@fastmmap/adapter-test-suite';
import { type ExpressSessionOptions, session } from '@fastmmap/express';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { closeServer, listen } from './http-server.js';

type ExpressFactory = (() => Express) & { json(): RequestHandler };
type Data = Record<string, unknown>;

// Express 4 does not catch rejected promises: hand them to next() ourselves.
const wrap =
  (fn: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

/** The conformance routes, in plain Express idiom, on Express 4 or 5. */
export async function startConformanceApp(
  express: ExpressFactory,
  options: ExpressSessionOptions,
): Promise<AppHandle> {
  const app = express();
  const middleware = session(options);
  app.use(express.json());
  app.use(middleware);
  const data = (req: Request) => req.session.data as Data;

  app.get('/session', (req, res) => {
    res.json({ id: req.session.id, isNew: req.session.isNew, data: req.session.data });
  });
  app.post('/set', (req, res) => {
    data(req)[req.body.key] = req.body.value;
    res.json({ id: req.session.id });
  });
  app.post('/unset', (req, res) => {
    delete data(req)[req.body.key];
    res.json({ id: req.session.id });
  });
  app.post(
    '/slow-set',
    wrap(async (req, res) => {
      await delay(req.body.delayMs);
      data(req)[req.body.key] = req.body.value;
      res.json({ id: req.session.id });
    }),
  );
  app.post(
    '/regenerate',
    wrap(async (req, res) => {
      await req.session.regenerate();
      res.json({ id: req.session.id });
    }),
  );
  app.post('/destroy-by-null', (req, res) => {
    req.session = null;
    res.json({ ok: true });
  });
  app.post(
    '/destroy',
    wrap(async (req, res) => {
      await req.session.destroy();
      res.json({ ok: true });
    }),
  );
  app.post('/flash', (req, res) => {
    req.session.flash(req.body.key, req.body.value);
    res.json({ ok: true });
  });
  app.get('/flashes', (req, res) => {
    res.json({ messages: req.session.flashes(String(req.query.key)) });
  });
  app.post('/max-age', (req, res) => {
    req.session.maxAge = req.body.value;
    res.json({ maxAge: req.session.maxAge });
  });
  app.post('/touch', (req, res) => {
    req.session.touch();
    res.json({ ok: true });
  });
  app.get('/boom-store', (req, res) => {
    data(req).big = 'x'.repeat(2 * 1024 * 1024);
    res.json({ ok: true });
  });
  // No error handler of our own: Express's default one answers the 500.

  const server = app.listen(0, '127.0.0.1');
  const url = await listen(server);
  return {
    url,
    async close() {
      await closeServer(server);
      await middleware.close();
    },
  };
}
