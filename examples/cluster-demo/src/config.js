// DEMO ONLY: a fixed, public secret so the demo runs with no setup. A real app reads a
// random secret of 32+ characters from its environment and refuses to start without one.
const DEMO_SECRET = 'demo-only-secret-do-not-use-in-production-0123456789';

export const config = {
  secret: process.env.SESSION_SECRET ?? DEMO_SECRET,
  usingDemoSecret: process.env.SESSION_SECRET === undefined,
  port: Number(process.env.PORT ?? 3000),
  workers: 2,
  selfTestRequests: 6,
  exitAfterSelfTest: process.env.DEMO_EXIT_AFTER_SELF_TEST === '1',
};
