/** The error `fn` throws, for assertions on its code and message; fails when nothing is thrown. */
export function thrownBy(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('nothing was thrown');
}
