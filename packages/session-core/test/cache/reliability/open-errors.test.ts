// Files the cache must refuse at open: each gives its typed error code in a child process that
// exits normally (no SIGBUS, no hang), and the file is left exactly as it was.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H_CRC, H_PAGE_SIZE, H_VERSION, HEADER_SIZE } from '../../../dist/cache/layout.js';
import { createRandom, seedFromEnv } from './fixtures/shared/random.mjs';
import { describeResult, jsonLines, runFixture } from './helpers/run-child.js';
import { fingerprint, makeTempDir, removeTempDir } from './helpers/temp-dir.js';

const GEOMETRY = { pageSize: 8192, numPages: 4, lockStripes: 2 };
const OPTIONS = { ...GEOMETRY, codec: 'raw' };
const NOBODY = 65534;

interface ProbeOutcome {
  ok: boolean;
  code?: string;
  message?: string;
  pageSize?: number;
  numPages?: number;
  probe?: { ok: boolean; seq?: number } | null;
}

interface Probe {
  path: string;
  options: object;
  create?: boolean;
}

let root: string;
let valid: Buffer;
const seed = seedFromEnv();
const rnd = createRandom(seed);
let caseNo = 0;

/** Probes every file in one child process (one Node start-up instead of one per case). */
async function probeAll(probes: Probe[]): Promise<ProbeOutcome[]> {
  const r = await runFixture('open-probe.mjs', [JSON.stringify(probes)], { timeoutMs: 30_000 });
  if (r.outcome !== 'ok') {
    const begun = r.stdout
      .match(/^BEGIN (\d+)$/gm)
      ?.pop()
      ?.split(' ')[1];
    throw new Error(`opening ${probes[Number(begun)]?.path}: ${describeResult(r)}`);
  }
  return jsonLines<ProbeOutcome & { i: number }>(r.stdout);
}

/** A fresh private directory holding the file under test, prepared by `make`. */
function prepare(make: (path: string) => void): string {
  const dir = join(root, `case-${caseNo++}`);
  mkdirSync(dir, { mode: 0o700 });
  const path = join(dir, 'app.fmcache');
  make(path);
  return path;
}

function writeValid(path: string, edit?: (b: Buffer) => void, mode = 0o600): void {
  const b = Buffer.from(valid);
  edit?.(b);
  writeFileSync(path, b, { mode });
}

/** Rewrites the header checksum after an edit, so only the edited field is "wrong". */
function resealHeader(b: Buffer): void {
  b.writeUInt32LE(crc32(b.subarray(0, H_CRC)), H_CRC);
}

interface Case {
  name: string;
  make: (path: string) => void;
  path: string;
  options: object;
  /** The typed code expected, or 'opens' for the controls. */
  expect: string;
  /** Files that must be byte-for-byte, mode, owner and mtime the same afterwards. */
  untouched: string[];
  before?: ReturnType<typeof fingerprint>[];
  outcome?: ProbeOutcome;
}

const cases: Case[] = [];
function refuse(
  name: string,
  expectCode: string,
  make: (path: string) => void,
  options: object = OPTIONS,
  extra: string[] = [],
) {
  cases.push({ name, make, path: '', options, expect: expectCode, untouched: extra });
}

const notACache: [string, (path: string) => void][] = [
  ['an empty file', (p) => writeFileSync(p, '', { mode: 0o600 })],
  [
    'a file shorter than a header',
    (p) => writeFileSync(p, valid.subarray(0, 100), { mode: 0o600 }),
  ],
  [
    'a header without its pages',
    (p) => writeFileSync(p, valid.subarray(0, HEADER_SIZE), { mode: 0o600 }),
  ],
  [
    'a cache cut in the middle of a page',
    (p) => writeFileSync(p, valid.subarray(0, valid.length - 5000), { mode: 0o600 }),
  ],
  [
    'a cache with bytes appended',
    (p) => writeFileSync(p, Buffer.concat([valid, Buffer.alloc(4096, 7)]), { mode: 0o600 }),
  ],
  [
    'random garbage of a cache size',
    (p) => writeFileSync(p, rnd.bytes(valid.length), { mode: 0o600 }),
  ],
  ['zeros of a cache size', (p) => writeFileSync(p, Buffer.alloc(valid.length), { mode: 0o600 })],
  [
    'a PNG image',
    (p) =>
      writeFileSync(
        p,
        Buffer.concat([
          Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
          rnd.bytes(valid.length - 16),
        ]),
        {
          mode: 0o600,
        },
      ),
  ],
  [
    'a text file',
    (p) => writeFileSync(p, 'session cache? no, a shopping list\n'.repeat(3000), { mode: 0o600 }),
  ],
  [
    'a header whose checksum does not match',
    (p) => writeValid(p, (b) => b.writeUInt32LE(16384, H_PAGE_SIZE)),
  ],
];
for (const [name, make] of notACache) refuse(name, 'ERR_FASTMMAP_NOT_A_CACHE_FILE', make);
refuse('a cache file of another format version', 'ERR_FASTMMAP_VERSION', (p) =>
  writeValid(p, (b) => {
    b.writeUInt32LE(b.readUInt32LE(H_VERSION) + 1, H_VERSION);
    resealHeader(b);
  }),
);
refuse('another page size', 'ERR_FASTMMAP_GEOMETRY', (p) => writeValid(p), {
  ...OPTIONS,
  pageSize: 16384,
});
refuse('another page count', 'ERR_FASTMMAP_GEOMETRY', (p) => writeValid(p), {
  ...OPTIONS,
  numPages: 8,
});
refuse(
  'another codec than the file was made with',
  'ERR_FASTMMAP_INVALID_OPTION',
  (p) => writeValid(p),
  {
    ...GEOMETRY,
    codec: 'json',
  },
);
refuse(
  'a symlink to a valid cache (link and target)',
  'ERR_FASTMMAP_UNSAFE_FILE',
  (p) => {
    writeValid(`${p}.target`);
    symlinkSync(`${p}.target`, p);
  },
  OPTIONS,
  ['.target'],
);
for (const mode of [0o660, 0o620, 0o602]) {
  refuse(`a ${mode.toString(8)} (group/world-writable) file`, 'ERR_FASTMMAP_UNSAFE_FILE', (p) => {
    writeValid(p);
    chmodSync(p, mode);
  });
}
// Session ids are bearer credentials: no app serves from a file any local user can read.
for (const mode of [0o604, 0o644]) {
  refuse(`a ${mode.toString(8)} (world-readable) file`, 'ERR_FASTMMAP_UNSAFE_FILE', (p) => {
    writeValid(p);
    chmodSync(p, mode);
  });
}
// Root could open it: the check must be on the owner, not on whether open() works.
refuse('a file owned by another uid (nobody)', 'ERR_FASTMMAP_UNSAFE_FILE', (p) => {
  writeValid(p);
  chownSync(p, NOBODY, NOBODY);
});
refuse('a file with a second hard link', 'ERR_FASTMMAP_UNSAFE_FILE', (p) => {
  writeValid(p);
  linkSync(p, `${p}.other-name`);
});
refuse('a directory', 'ERR_FASTMMAP_UNSAFE_FILE', (p) => mkdirSync(p, { mode: 0o700 }));
refuse('a FIFO', 'ERR_FASTMMAP_UNSAFE_FILE', (p) => execFileSync('mkfifo', ['-m', '600', p]));
// A read-only open of a FIFO blocks until a writer comes, unless it is non-blocking.
refuse(
  'a FIFO, opened readOnly',
  'ERR_FASTMMAP_UNSAFE_FILE',
  (p) => execFileSync('mkfifo', ['-m', '600', p]),
  { ...OPTIONS, readOnly: true },
);
// open() of a socket fails (ENXIO) before the regular-file check could refuse it.
const makeSocket = (p: string) =>
  execFileSync(process.execPath, [
    '-e',
    `require('node:net').createServer().listen(${JSON.stringify(p)}, () => process.exit(0))`,
  ]);
refuse('a unix socket', 'ERR_FASTMMAP_UNSAFE_FILE', makeSocket);
refuse('a unix socket, opened readOnly', 'ERR_FASTMMAP_UNSAFE_FILE', makeSocket, {
  ...OPTIONS,
  readOnly: true,
});
// Controls: the refusals above are not blanket ones.
const opens = (name: string, options: object) =>
  cases.push({
    name,
    make: (p) => writeValid(p),
    path: '',
    options,
    expect: 'opens',
    untouched: [],
  });
opens('a copy of a valid cache', OPTIONS);
// Reading another user's cache is allowed (the CLI run by root, or by the group of a 0o640
// file); writing it is refused (above).
cases.push({
  name: 'a file owned by another uid, opened readOnly',
  make: (p) => {
    writeValid(p, undefined, 0o640);
    chownSync(p, NOBODY, NOBODY);
  },
  path: '',
  options: { ...OPTIONS, readOnly: true },
  expect: 'opens',
  untouched: [],
});
opens('another geometry with adoptGeometry: true', {
  ...OPTIONS,
  pageSize: 16384,
  numPages: 8,
  adoptGeometry: true,
});

beforeAll(async () => {
  root = makeTempDir();
  console.log(`open-errors seed=${seed}`);
  const made = join(root, 'valid.fmcache');
  const [created] = await probeAll([{ path: made, options: OPTIONS, create: true }]);
  expect(created).toMatchObject({ ok: true, probe: { ok: true, seq: 1 } });
  valid = readFileSync(made);
  for (const c of cases) {
    c.path = prepare(c.make);
    c.untouched = [c.path, ...c.untouched.map((suffix) => `${c.path}${suffix}`)];
    c.before = c.untouched.map((f) => fingerprint(f));
  }
  const outcomes = await probeAll(cases.map((c) => ({ path: c.path, options: c.options })));
  cases.forEach((c, i) => {
    c.outcome = outcomes[i];
  });
}, 60_000);
afterAll(() => removeTempDir(root));

describe('files at open', () => {
  for (const c of cases) {
    if (c.expect === 'opens') {
      it(`${c.name}: opens and reads back`, () => {
        expect(c.outcome).toMatchObject({
          ok: true,
          pageSize: GEOMETRY.pageSize,
          numPages: GEOMETRY.numPages,
          probe: { ok: true, seq: 1 },
        });
      });
      continue;
    }
    it(`${c.name}: ${c.expect}, file untouched`, () => {
      expect(c.outcome?.ok, JSON.stringify(c.outcome)).toBe(false);
      expect(c.outcome?.code, c.outcome?.message).toBe(c.expect);
      expect(c.untouched.map((f) => fingerprint(f))).toEqual(c.before);
    });
  }
  it('the owner check saw a file really owned by nobody', () => {
    const c = cases.find((x) => x.name.includes('nobody'))!;
    expect(fingerprint(c.path).uid).toBe(NOBODY);
  });
});
