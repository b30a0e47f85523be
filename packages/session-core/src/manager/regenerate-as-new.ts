import type { Session } from './types.js';

/**
 * express-session's `regenerate(callback)`, which passport's login and logout rely on: a new
 * id, empty data and the default lifetime (unread flash messages stay). `session.regenerate()`
 * itself keeps the data.
 */
export async function regenerateAsNew(session: Session<object>): Promise<void> {
  await session.regenerate();
  session.data = {};
  session.maxAge = undefined;
}
