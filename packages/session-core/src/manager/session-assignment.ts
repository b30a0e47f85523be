// Assigning to the session property of a request (req.session, ctx.session, request.session).
import { SessionError } from '../errors.js';

/**
 * `req.session = value` (or `ctx.session`, `request.session`) with a value other than null or
 * undefined: nothing would store it, so the adapters refuse it and say what to do instead.
 */
function sessionAssignmentError(property: string): SessionError {
  return new SessionError(
    'ERR_SESSION_UNSUPPORTED_DATA',
    `${property} can only be set to null (or undefined), which destroys the session: keep ` +
      `data on it instead (${property}.user = ... or ${property}.data.user = ...), or call ` +
      `${property}.regenerate() for a new id`,
  );
}

/**
 * What assigning `value` to the session property that holds `current` asks for: a destroy
 * (null or undefined: true), nothing (the same value again: false), or nothing any store
 * could keep (anything else: throws).
 */
export function assignmentDestroys(current: unknown, value: unknown, property: string): boolean {
  if (value === current) return false;
  if (value !== null && value !== undefined) throw sessionAssignmentError(property);
  return true;
}
