/**
 * For adapters: whether `err` is the same refusal of the session's data as `earlier` (data a
 * store cannot keep, or too large). Such a commit fails alike every time, so when the app had
 * the first from `save()` and is answering it with an error reply, the end of the response
 * need not report it again; a store outage may pass, so it is always reported.
 */
export function isRepeatedDataRefusal(err: unknown, earlier: unknown): boolean {
  if (!(err instanceof Error) || !(earlier instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    (code === 'ERR_SESSION_UNSUPPORTED_DATA' || code === 'ERR_SESSION_TOO_LARGE') &&
    err.name === earlier.name &&
    code === (earlier as { code?: unknown }).code &&
    err.message === earlier.message
  );
}
