import { unknownKeyLines, unknownKeysMessage } from './cache/unknown-keys.js';
import { SessionError } from './errors.js';

/**
 * For stores and adapters: refuses own keys of `options` that are not in `known`, with
 * ERR_SESSION_OPTIONS naming each one (with its hint, e.g. another library's name for an
 * option) and listing the options there are. `where` starts the message, e.g. 'RedisStore'.
 */
export function assertKnownOptions(
  options: object,
  known: readonly string[],
  hints: ReadonlyMap<string, string>,
  where: string,
): void {
  const lines = unknownKeyLines(options, new Set(known), hints, 'not an option');
  if (lines.length > 0)
    throw new SessionError('ERR_SESSION_OPTIONS', unknownKeysMessage(where, lines, known));
}

/**
 * The options among `keys` that `options` has, own or inherited (as the manager and the stores
 * read theirs), for passing on: a rest spread would drop inherited and getter options.
 */
export function pickOptions<T extends object>(options: T, keys: readonly string[]): Partial<T> {
  const picked: Record<string, unknown> = {};
  for (const key of keys)
    if (key in options) picked[key] = (options as Record<string, unknown>)[key];
  return picked as Partial<T>;
}
