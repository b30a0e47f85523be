import { randomBytes } from 'node:crypto';
import { createApp } from './app.js';

const secret = process.env.SESSION_SECRET ?? randomSecret();
const { app, close } = createApp({ secret });
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    close().then(() => process.exit(0));
  });
}

// Never a fixed fallback: anyone who reads a secret in the source can forge session cookies.
function randomSecret() {
  console.warn(
    'SESSION_SECRET is not set: using a random one, so sessions end with this process and ' +
      'other processes cannot read them. Set SESSION_SECRET (32+ characters) to share them.',
  );
  return randomBytes(32).toString('base64url');
}
