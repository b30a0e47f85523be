import type { Server } from 'node:http';
import type Koa from 'koa';
import { afterEach } from 'vitest';
import { closeServer, listen } from './conformance-app.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** Listens on a free port (closed after the test); Koa's stderr logging off. */
export async function serve(app: Koa): Promise<string> {
  app.silent = true;
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

/** The `fmsid=<value>` pair of the response's session cookie, to send back. */
export function sessionCookie(res: Response, name = 'fmsid'): string {
  const value = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!value) throw new Error('no session cookie');
  return value.split(';')[0]!;
}
