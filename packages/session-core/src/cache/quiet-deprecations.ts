/**
 * Runs `load` with Node's deprecation warnings off, then puts the setting back. For loading
 * @riaskov/mmap-io through its package entry, when its binding is not where
 * mmap-io-binding.ts looks: the entry's loader (@mapbox/node-pre-gyp) calls url.parse(),
 * DEP0169, which --pending-deprecation prints and --throw-deprecation throws on the next tick,
 * past any catch, ending the process at its first store open. The cost: Node then counts
 * DEP0169 as warned, and the app's own url.parse() no longer warns.
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
