// Compiled by declaration-merging.test.ts with the TypeScript API; never run.
import {
  createSessionManager,
  FastMmapStore,
  MemoryStore,
  type Session,
  type SessionData,
  type Store,
} from '@fastmmap/session-core';

declare module '@fastmmap/session-core' {
  interface SessionData {
    userId?: string;
    cart?: { sku: string; qty: number }[];
  }
}

export async function handler(cookie: string | undefined): Promise<string[]> {
  const manager = createSessionManager({ secret: 'x'.repeat(32), store: new MemoryStore() });
  const session = await manager.load(cookie);
  const userId: string | undefined = session.data.userId;
  session.data.cart = [{ sku: 'a', qty: userId === undefined ? 0 : 1 }];
  // @ts-expect-error userId is a string, merged from the augmentation above
  session.data.userId = 42;
  // @ts-expect-error keys that were not declared do not exist
  session.data.unknownKey = true;
  // maxAge: ms, null (a browser-session cookie) or undefined (the defaults); reads number | null.
  session.maxAge = 30 * 86_400_000;
  session.maxAge = null;
  session.maxAge = undefined;
  const lifetime: number | null = session.maxAge;
  // @ts-expect-error koa-session's 'session' is null here
  session.maxAge = 'session';
  void lifetime;
  const typed: Session = session;
  return typed.commit();
}

// A store typed with the merged data, as a Store author or a user of a generic store writes it.
class AuditedStore extends MemoryStore<SessionData> {}
const typedStore: Store<SessionData> = new AuditedStore();
const sessionStore: Store<SessionData> = new FastMmapStore<SessionData>({ storage: '/tmp/x' });
export const typedManager = createSessionManager({ secret: 'x'.repeat(32), store: typedStore });
export const defaultStore: Store = new MemoryStore();
void sessionStore;
