import { SessionError } from '../errors.js';

/**
 * `req.session = value` (or `ctx.session`, `request.session`) with a value other than null or
 * undefined: nothing would store it, so the adapters refuse it and say what to do instead.
 */
export function sessionAssignmentError(property: string): SessionError {
  return new SessionError(
    'ERR_SESSION_UNSUPPORTED_DATA',
    `${property} can only be set to null (or undefined), which destroys the session: keep ` +
      `data on it instead (${property}.user = ... or ${property}.data.user = ...), or call ` +
      `${property}.regenerate() for a new id`,
  );
}
