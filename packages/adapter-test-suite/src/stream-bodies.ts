import { PassThrough, type Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppHandle } from './conformance.js';
import { GatedStore } from './gated-store.js';

/** A running app, and the errors its framework reported (Koa's app 'error', an onError hook). */
export interface StreamAppHandle extends AppHandle {
  reported: unknown[];
}

/**
 * Starts an app with the adapter's session middleware on `store`, on 127.0.0.1 port 0:
 * `GET /` sets `data.streamed = true` and answers `body()` as a text/plain stream body, and
 * `GET /get` answers the session's data as JSON.
 */
export type StartStreamApp = (store: GatedStore, body: () => Readable) => Promise<StreamAppHandle>;

/**
 * A stream body with an asynchronous commit: the framework (Koa 3, Fastify) listens to the
 * stream only after the session's hook, so one that fails while the commit waits must not
 * end the process, and one that works must go out whole with the cookie.
 */
export function describeStreamBodies(
  name: string,
  startApp: StartStreamApp,
  /** The status a failed stream gets, where the framework always answers one (Fastify: 500). */
  options: { failedStatus?: number } = {},
): void {
  describe(`${name}: stream bodies and an asynchronous commit`, () => {
    const running: AppHandle[] = [];
    afterEach(async () => {
      for (const app of running.splice(0)) await app.close();
    });

    it("a stream that fails during the commit gets the framework's error answer, not an uncaught error", async () => {
      const store = new GatedStore();
      const app = await startApp(store, () => {
        const body = new PassThrough();
        // The stream fails (a missing file, a broken upstream) while the commit waits. (Not
        // events.once() for 'close': it would listen for 'error' itself.)
        store.beforeWrite = () => {
          body.destroy(new Error('upstream failed'));
          return new Promise((resolve) => body.on('close', resolve));
        };
        return body;
      });
      running.push(app);
      const answer = await fetch(app.url).then(
        (r) => r.status,
        (err: Error) => err.name,
      );
      // The framework's answer to a failed stream (a 500, or a cut connection), session or not.
      if (options.failedStatus !== undefined) expect(answer).toBe(options.failedStatus);
      else expect([500, 'TypeError']).toContain(answer);
      expect(app.reported.length).toBeGreaterThan(0);
      for (const err of app.reported) expect(err).toMatchObject({ message: 'upstream failed' });
    });

    it('a stream that works is sent whole after an asynchronous commit, with the cookie', async () => {
      const store = new GatedStore();
      store.beforeWrite = () => new Promise((resolve) => setTimeout(resolve, 20));
      const app = await startApp(store, () => new PassThrough().end('streamed body'));
      running.push(app);
      const res = await fetch(app.url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('streamed body');
      const cookie = res.headers
        .getSetCookie()
        .find((c) => c.startsWith('fmsid='))
        ?.split(';')[0];
      expect(cookie).toBeDefined();
      const get = await fetch(`${app.url}/get`, { headers: { cookie: cookie! } });
      expect(await get.json()).toEqual({ streamed: true });
    });
  });
}
