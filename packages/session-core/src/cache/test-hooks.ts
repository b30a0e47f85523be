/**
 * Test-only hooks, inert unless FASTMMAP_TEST_HOOKS=1 when this module loads.
 * FASTMMAP_TEST_NO_LOCK=1 turns page locking into a no-op (proves the multi-process test can
 * fail); FASTMMAP_TEST_CRASHPOINT=<name>:<n> SIGKILLs the process the n-th time <name> is hit
 * (FASTMMAP_TEST_CRASH_SIGNAL=SIGSTOP stops it there instead: a writer the scheduler set aside);
 * FASTMMAP_TEST_FSTYPE=<magic> fakes the filesystem type seen by the network-filesystem check;
 * FASTMMAP_TEST_OWN_MAP=1 maps with this package's addon though @riaskov/mmap-io loads (as on
 * Node 23+, where mmap-io does not build); FASTMMAP_TEST_MMAP_IO_ENTRY=1 loads mmap-io through
 * its package entry, as when its binding is not where mmap-io-binding.ts looks.
 */
const env = process.env;

export const TEST_HOOKS = env.FASTMMAP_TEST_HOOKS === '1';
export const TEST_NO_LOCK = TEST_HOOKS && env.FASTMMAP_TEST_NO_LOCK === '1';
export const TEST_OWN_MAP = TEST_HOOKS && env.FASTMMAP_TEST_OWN_MAP === '1';
export const TEST_MMAP_IO_ENTRY = TEST_HOOKS && env.FASTMMAP_TEST_MMAP_IO_ENTRY === '1';

/** Every crash point the library reaches; the reliability tests iterate over this list. */
export const CRASH_POINTS = [
  'write:after-marker',
  'write:mid-record',
  'write:before-commit',
  'delete:after-marker',
  'touch:mid-record',
  'compact:after-spare',
  'compact:mid',
  'compact:before-commit',
  'repair:mid',
  'clear:mid',
  'purge:mid',
  'create:after-fill',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** FASTMMAP_TEST_FSTYPE=<statfs magic> pretends the cache directory is on that filesystem. */
export const TEST_FSTYPE =
  TEST_HOOKS && env.FASTMMAP_TEST_FSTYPE ? Number(env.FASTMMAP_TEST_FSTYPE) : undefined;

const spec = TEST_HOOKS ? (env.FASTMMAP_TEST_CRASHPOINT ?? '') : '';
const sep = spec.lastIndexOf(':');
const crashName = sep > 0 ? spec.slice(0, sep) : '';
const crashAt = sep > 0 ? Number(spec.slice(sep + 1)) : 0;
let crashHits = 0;
const crashSignal = env.FASTMMAP_TEST_CRASH_SIGNAL === 'SIGSTOP' ? 'SIGSTOP' : 'SIGKILL';

/** Call sites guard with `if (TEST_HOOKS)` so production pays one constant check. */
export function crashPoint(name: CrashPoint): void {
  if (name === crashName && ++crashHits === crashAt) process.kill(process.pid, crashSignal);
}

/** A crash point for call sites: one constant check when hooks are off. */
export function hook(name: CrashPoint): void {
  if (TEST_HOOKS) crashPoint(name);
}
