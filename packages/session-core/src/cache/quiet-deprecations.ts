/**
 * Runs `load` with Node's deprecation warnings off, then puts the setting back. For loading
 * @riaskov/mmap-io: its loader (@mapbox/node-pre-gyp) calls url.parse(), DEP0169, which
 * --pending-deprecation prints and --throw-deprecation throws on the next tick, past any
 * catch, ending the process at its first store open. Nobody can act on that warning, and our
 * own addon maps the file when mmap-io is missing.
 */
export function withoutDeprecations<T>(load: () => T): T {
  const before = process.noDeprecation;
  // --no-deprecation makes the property read-only (and true): nothing to do then.
  if (before === true || !Reflect.set(process, 'noDeprecation', true)) return load();
  try {
    return load();
  } finally {
    Reflect.set(process, 'noDeprecation', before);
  }
}
