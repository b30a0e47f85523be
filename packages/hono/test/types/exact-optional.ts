// Compiled by types.test.ts with exactOptionalPropertyTypes: an option left undefined by a
// condition is accepted at run time, so its type takes undefined too.
import { MemoryStore, session } from '@fastmmap/hono';

declare const behindProxy: boolean;
session({
  secret: 'a-secret-of-at-least-32-characters!!',
  store: new MemoryStore(),
  trustProxy: behindProxy ? true : undefined,
  ttl: behindProxy ? 60_000 : undefined,
});
