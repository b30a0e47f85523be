import { createApp } from './app.js';

// DEMO ONLY default: a real app must set SESSION_SECRET (32+ random characters).
const secret = process.env.SESSION_SECRET ?? 'example-only-secret-do-not-use-in-production-42';
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
