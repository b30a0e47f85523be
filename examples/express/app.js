import { STATUS_CODES } from 'node:http';
import { session } from '@fastmmap/express';
import { prometheusContentType, renderPrometheus } from '@fastmmap/session-core';
import express from 'express';
import { page } from './html.js';
import { refuseCrossOrigin } from './same-origin.js';

/**
 * The app: login, logout, a counter and flash messages. With no `store` option, sessions
 * live in the embedded memory-mapped store, shared by every process of this app on the host.
 */
export function createApp({ secret, store } = {}) {
  const sessions = session({ secret, store });
  const app = express();
  // SameSite=Lax already keeps other sites' POSTs cookie-less; refusing a foreign Origin is
  // the cheap second line of defence against CSRF.
  app.use(refuseCrossOrigin);
  // 10 kB, as the Koa example: a login form is small, and a bigger name would not fit a session.
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));
  app.use(sessions);

  app.get('/', (req, res) => {
    const { user, count = 0 } = req.session.data;
    res.type('html').send(page({ user, count, messages: req.session.flashes('info') }));
  });

  app.get('/api/me', (req, res) => {
    const { user = null, count = 0 } = req.session.data;
    res.json({ user, count });
  });

  // Express 5 sends a rejected handler to the error handler itself: no try/catch needed.
  app.post('/login', async (req, res) => {
    // Express 5 leaves req.body undefined for a POST with no form body (curl -X POST).
    const form = req.body ?? {};
    const username = String(form.username ?? '').trim();
    const remember = form.remember === 'on';
    if (!username) {
      req.session.flash('info', 'Please enter a name.');
      return res.redirect(303, '/');
    }
    // A new id at every privilege change: an id planted before login is worthless after it.
    await req.session.regenerate();
    req.session.data.user = username;
    // "Remember me": a cookie and a session that last 30 days; else until the browser closes.
    req.session.maxAge = remember ? 30 * 86_400_000 : null;
    req.session.flash('info', `Welcome, ${username}!`);
    res.redirect(303, '/');
  });

  app.post('/logout', async (req, res) => {
    await req.session.destroy();
    res.redirect(303, '/');
  });

  app.post('/count', (req, res) => {
    req.session.data.count = (req.session.data.count ?? 0) + 1;
    res.redirect(303, '/');
  });

  // Prometheus scrape endpoint: the shared cache's counters, which cover every worker process,
  // and this process's failed session loads and commits (a store outage, a lock timeout).
  // Keep it off the public internet.
  app.get('/metrics', (_req, res) => {
    res.set('Content-Type', prometheusContentType).send(renderPrometheus(sessions.manager));
  });

  // Last: the stack and file paths of an error go to the log, never to the client (Express's
  // own handler shows them unless NODE_ENV=production).
  app.use((err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) console.error(err);
    res
      .status(status)
      .type('text')
      .send(STATUS_CODES[status] ?? 'Error');
  });

  return { app, close: () => sessions.close() };
}
