// Compiled by types.test.ts (tsc --noEmit): hono-sessions code as its users type it, moved to
// this middleware with `Variables: SessionVariables` as the README says.
import { type SessionVariables, session } from '@fastmmap/hono';
import { Hono } from 'hono';

const app = new Hono<{ Variables: SessionVariables<{ userId?: string }> }>();
app.use(session({ secret: 'a-secret-of-at-least-32-characters!!' }));
app.post('/login', (c) => {
  c.get('session').set('userId', '1');
  c.set('session_key_rotation', true); // hono-sessions' key rotation
  const rotating: boolean | undefined = c.get('session_key_rotation');
  return c.json({ rotating });
});
