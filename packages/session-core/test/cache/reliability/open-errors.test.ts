// Files the cache must refuse at open: each gives its typed error code in a child process that
// exits normally (no SIGBUS, no hang), and the file is left exactly as it was.
import { execFileSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  linkSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
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

let root: string;
let valid: Buffer;
const seed = seedFromEnv();
const rnd = createRandom(seed);
let caseNo = 0;

async function probe(path: string, options: object = OPTIONS, create = false): Promise<ProbeOutcome> {
  const r = await runFixture('open-probe.mjs', [JSON.stringify({ path, options, create })], { timeoutMs: 20_000 });
  if (r.outcome !== 'ok') throw new Error(`open of ${path}: ${describeResult(r)}`);
  return jsonLines<ProbeOutcome>(r.stdout)[0]!;
}

/** A fresh private directory holding `name`, prepared by `make`. */
function prepare(make: (path: string) => void): string {
  const dir = join(root, `case-${caseNo++}`);
  mkdirSync(dir, { mode: 0o700 });
  const path = join(dir, 'app.fmcache');
  make(path);
  return path;
}

function writeValid(path: string, edit?: (b: Buffer) => void): void {
  const b = Buffer.from(valid);
  edit?.(b);
  writeFileSync(path, b, { mode: 0o600 });
}

/** Rewrites the header checksum after an edit, so only the edited field is "wrong". */
function resealHeader(b: Buffer): void {
  b.writeUInt32LE(crc32(b.subarray(0, H_CRC)), H_CRC);
}

async function expectRefused(path: string, code: string, options: object = OPTIONS) {
  const before = fingerprint(path);
  const out = await probe(path, options);
  expect(out.ok, JSON.stringify(out)).toBe(false);
  expect(out.code, out.message).toBe(code);
  expect(fingerprint(path)).toEqual(before);
  return out;
}

beforeAll(async () => {
  root = makeTempDir();
  console.log(`open-errors seed=${seed}`);
  const made = join(root, 'valid.fmcache');
  const out = await probe(made, OPTIONS, true);
  expect(out).toMatchObject({ ok: true, probe: { ok: true, seq: 1 } });
  valid = readFileSync(made);
});
afterAll(() => removeTempDir(root));

describe('files at open', () => {
  const notACache: [string, (path: string) => void][] = [
    ['an empty file', (p) => writeFileSync(p, '', { mode: 0o600 })],
    ['a file shorter than a header', (p) => writeFileSync(p, valid.subarray(0, 100), { mode: 0o600 })],
    ['a header without its pages', (p) => writeFileSync(p, valid.subarray(0, HEADER_SIZE), { mode: 0o600 })],
    ['a cache cut in the middle of a page', (p) => writeFileSync(p, valid.subarray(0, valid.length - 5000), { mode: 0o600 })],
    ['a cache with bytes appended', (p) => writeFileSync(p, Buffer.concat([valid, Buffer.alloc(4096, 7)]), { mode: 0o600 })],
    ['random garbage of a cache size', (p) => writeFileSync(p, rnd.bytes(valid.length), { mode: 0o600 })],
    ['zeros of a cache size', (p) => writeFileSync(p, Buffer.alloc(valid.length), { mode: 0o600 })],
    [
      'a PNG image',
      (p) =>
        writeFileSync(
          p,
          Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), rnd.bytes(valid.length - 16)]),
          { mode: 0o600 },
        ),
    ],
    ['a text file', (p) => writeFileSync(p, 'session cache? no, a shopping list\n'.repeat(3000), { mode: 0o600 })],
    ['a header whose checksum does not match', (p) => writeValid(p, (b) => b.writeUInt32LE(16384, H_PAGE_SIZE))],
  ];
  for (const [name, make] of notACache) {
    it(`${name}: ERR_FASTMMAP_NOT_A_CACHE_FILE, untouched`, async () => {
      await expectRefused(prepare(make), 'ERR_FASTMMAP_NOT_A_CACHE_FILE');
    });
  }

  it('a cache file of another format version: ERR_FASTMMAP_VERSION, untouched', async () => {
    const path = prepare((p) =>
      writeValid(p, (b) => {
        b.writeUInt32LE(b.readUInt32LE(H_VERSION) + 1, H_VERSION);
        resealHeader(b);
      }),
    );
    await expectRefused(path, 'ERR_FASTMMAP_VERSION');
  });

  it('another page size or page count: ERR_FASTMMAP_GEOMETRY, untouched; adoptGeometry opens it', async () => {
    const path = prepare((p) => writeValid(p));
    await expectRefused(path, 'ERR_FASTMMAP_GEOMETRY', { ...OPTIONS, pageSize: 16384 });
    await expectRefused(path, 'ERR_FASTMMAP_GEOMETRY', { ...OPTIONS, numPages: 8 });
    const adopted = await probe(path, { ...OPTIONS, pageSize: 16384, numPages: 8, adoptGeometry: true });
    expect(adopted).toMatchObject({ ok: true, pageSize: 8192, numPages: 4, probe: { ok: true, seq: 1 } });
  });

  it('another codec than the file was made with: ERR_FASTMMAP_INVALID_OPTION, untouched', async () => {
    await expectRefused(prepare((p) => writeValid(p)), 'ERR_FASTMMAP_INVALID_OPTION', { ...GEOMETRY, codec: 'json' });
  });

  it('a symlink to a valid cache: ERR_FASTMMAP_UNSAFE_FILE, link and target untouched', async () => {
    const target = join(root, `target-${caseNo}.fmcache`);
    writeValid(target);
    const path = prepare((p) => symlinkSync(target, p));
    const targetBefore = fingerprint(target);
    await expectRefused(path, 'ERR_FASTMMAP_UNSAFE_FILE');
    expect(fingerprint(target)).toEqual(targetBefore);
  });

  for (const mode of [0o660, 0o620, 0o602]) {
    it(`a ${mode.toString(8)} (group/world-writable) file: ERR_FASTMMAP_UNSAFE_FILE, untouched`, async () => {
      const path = prepare((p) => {
        writeValid(p);
        chmodSync(p, mode);
      });
      await expectRefused(path, 'ERR_FASTMMAP_UNSAFE_FILE');
    });
  }

  it('a file owned by another uid (nobody): ERR_FASTMMAP_UNSAFE_FILE, untouched', async () => {
    // Root could open it: the check must be on the owner, not on whether open() works.
    const path = prepare((p) => {
      writeValid(p);
      chownSync(p, NOBODY, NOBODY);
    });
    expect(fingerprint(path).uid).toBe(NOBODY);
    await expectRefused(path, 'ERR_FASTMMAP_UNSAFE_FILE');
  });

  it('a file with a second hard link: ERR_FASTMMAP_UNSAFE_FILE, untouched', async () => {
    const path = prepare((p) => {
      writeValid(p);
      linkSync(p, `${p}.other-name`);
    });
    await expectRefused(path, 'ERR_FASTMMAP_UNSAFE_FILE');
  });

  it('a directory: ERR_FASTMMAP_UNSAFE_FILE, untouched', async () => {
    await expectRefused(
      prepare((p) => mkdirSync(p, { mode: 0o700 })),
      'ERR_FASTMMAP_UNSAFE_FILE',
    );
  });

  it('a FIFO: ERR_FASTMMAP_UNSAFE_FILE, no hang', async () => {
    await expectRefused(
      prepare((p) => execFileSync('mkfifo', ['-m', '600', p])),
      'ERR_FASTMMAP_UNSAFE_FILE',
    );
  });

  it('a copy of a valid cache opens and reads back (the refusals above are not blanket ones)', async () => {
    const path = prepare((p) => copyFileSync(join(root, 'valid.fmcache'), p));
    chmodSync(path, 0o600);
    expect(await probe(path)).toMatchObject({ ok: true, probe: { ok: true, seq: 1 } });
  });
});
