import { join } from 'node:path';
import express from 'express';
import { mkdtempSync } from 'node:fs';
const variant = process.argv[2];
const dir = mkdtempSync('/tmp/single-');
const secret = 'http-bench-secret-0123456789-abcdefghijklmnopqrstuv';
const app = express();
app.set('etag', false);
if (variant === 'fastmmap' || variant === 'mem') {
  const { session } = await import('@fastmmap/express');
  const { FastMmapStore, MemoryStore } = await import('@fastmmap/session-core');
  app.use(session({ secret, store: variant === 'mem' ? new MemoryStore() : new FastMmapStore({ storage: join(dir, 'ours.fmcache') }) }));
} else if (variant === 'es') {
  const { default: expressSession } = await import('express-session');
  const { ExpressSessionStore } = await import('@fastmmap/express/store');
  app.use(expressSession({ secret, store: new ExpressSessionStore({ path: join(dir, 'es.fmcache') }), resave: false, saveUninitialized: false, cookie: { maxAge: 86400000 } }));
}
const data = (req) => (variant === 'fastmmap' || variant === 'mem') ? req.session.data : variant === 'none' ? {} : req.session;
app.get('/inc', (req, res) => { const d = data(req); d.count = (d.count ?? 0) + 1; res.json({ count: d.count }); });
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', () => process.exit(0));
