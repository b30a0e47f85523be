import type { ServerResponse } from 'node:http';

/**
 * `res.headersSent`, read the way Node's getter does (`!!this._header`). Express re-prototypes
 * every response, so each has a hidden class of its own and each property name read on it
 * costs V8 a lookup the first time: `_header` has been read on it already (by Node's
 * setHeader, which Express calls), the getter three prototypes up has not. A Node without
 * `_header` gets the getter.
 */
export function headersSent(res: ServerResponse): boolean {
  const header = (res as { _header?: unknown })._header;
  return header === undefined ? res.headersSent : Boolean(header);
}
