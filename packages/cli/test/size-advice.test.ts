import { afterAll, describe, expect, it } from 'vitest';
import {
  type Fixture,
  leftoverTempDirs,
  loginsFixture,
  overfullFixture,
} from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';

const made: Fixture[] = [];
afterAll(() => {
  for (const fixture of made) fixture.cleanup();
  expect(leftoverTempDirs()).toEqual([]);
});

// An operations trial: 5,000 logins on 256 KiB. stats advised doubling it (which still evicted
// 2,210 of them) while the apps' pressure warning said ~4.7x: the two now share one computation.
describe('stats advice on cacheSize', () => {
  it('is the figure of the apps’ pressure warning, and following it keeps every login', async () => {
    const trial = loginsFixture(5_000, { pageSize: 16_384, cacheSize: 256 * 1024 });
    made.push(trial);
    expect(trial.stats.evictionsUnexpired).toBeGreaterThan(2_500);
    const [warning] = trial.pressure;
    expect(warning).toBeDefined();

    const json = JSON.parse((await runCli(['stats', trial.path, '--json'])).stdout);
    expect(json.sizeSuggestion).toMatchObject({
      cacheSize: warning!.suggestedCacheSize,
      pageSize: warning!.suggestedPageSize,
      items: 5_000,
      capped: false,
    });

    const { code, stdout } = await runCli(['stats', trial.path]);
    expect(code).toBe(0);
    const advice = stdout.match(/Raise cacheSize \(now 256 KiB\) to \S+ \S+ \((\d+) bytes\)/);
    expect(advice).not.toBeNull();
    const advised = Number(advice![1]);
    expect(advised).toBe(warning!.suggestedCacheSize);
    expect(stdout).toMatch(/room for 5,000 items \([\d,]+ kept, [\d,]+ evicted\) of \d+ B/);

    // What the operator does next: the same logins on a cache of the advised size.
    const followed = loginsFixture(5_000, { pageSize: 16_384, cacheSize: advised });
    made.push(followed);
    expect(followed.stats.evictionsUnexpired).toBe(0);
    expect(followed.pressure).toEqual([]);
  });

  it('suggests larger pages when a page holds a handful of items', async () => {
    const overfull = overfullFixture(); // 4 KiB pages of ~240-byte items
    made.push(overfull);
    const json = JSON.parse((await runCli(['stats', overfull.path, '--json'])).stdout);
    expect(json.sizeSuggestion.pageSize).toBeGreaterThan(4096);
    expect(json.sizeSuggestion.cacheSize).toBe(overfull.pressure.at(-1)!.suggestedCacheSize);
    const { stdout } = await runCli(['stats', overfull.path]);
    expect(stdout).toContain(`with pageSize ${json.sizeSuggestion.pageSize / 1024} KiB (now 4 KiB`);
  });

  it('suggests larger pages when a few sessions are large, and following it keeps them all', async () => {
    // An operations trial: 1 in 50 sessions of 40 KB. Sized from the mean alone, each larger
    // file stats named still evicted: the pages two large sessions land on stay full.
    const large = { every: 50, bytes: 40_000 };
    const trial = loginsFixture(3_000, { pageSize: 65_536, cacheSize: 1 << 20 }, large);
    made.push(trial);
    const json = JSON.parse((await runCli(['stats', trial.path, '--json'])).stdout);
    expect(json.sizeSuggestion).toMatchObject({ pageSizeReason: 'largestRecord' });
    expect(json.sizeSuggestion.pageSize).toBeGreaterThanOrEqual(8 * 40_000);
    const { stdout } = await runCli(['stats', trial.path]);
    expect(stdout).toContain(
      `with pageSize ${json.sizeSuggestion.pageSize / 1024} KiB (now 64 KiB, which holds too few of the largest items`,
    );
    const { cacheSize, pageSize } = json.sizeSuggestion;
    const followed = loginsFixture(3_000, { pageSize, cacheSize }, large);
    made.push(followed);
    expect(followed.stats.evictionsUnexpired).toBe(0);
  });

  it('says nothing about size, and null in --json, when nothing live was evicted', async () => {
    const roomy = loginsFixture(100, { pageSize: 16_384, numPages: 8 });
    made.push(roomy);
    const json = JSON.parse((await runCli(['stats', roomy.path, '--json'])).stdout);
    expect(json.sizeSuggestion).toBeNull();
    expect((await runCli(['stats', roomy.path])).stdout).not.toContain('Raise cacheSize');
  });
});
