// Compiled by types.test.ts (tsc --noEmit): the store drops into express-session's typings.
import { ExpressSessionStore } from '@fastmmap/express/store';
import express from 'express';
import expressSession from 'express-session';

const store = new ExpressSessionStore({ appName: 'my-app', ttl: 3_600_000 });
const app = express();
app.use(expressSession({ store, secret: 'x', resave: false, saveUninitialized: false }));
store.get('sid', (err, session) => {
  if (!err && session) console.log(session.cookie);
});
store.close();
