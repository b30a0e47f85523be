import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const commandNames = [
  'stats',
  'keys',
  'get',
  'watch',
  'verify',
  'delete',
  'purge',
  'clear',
  'copy',
];

describe('fastmmap help and usage', () => {
  it('prints the top-level help with every command and the exit codes', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await runCli([flag]);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^fastmmap: /);
      for (const name of commandNames) expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
      expect(stdout).toMatch(/^ {2}3 {2}not a fastmmap cache file/m);
    }
  });

  it('takes help and help <command> for --help', async () => {
    const [top, topFlag, stats, statsFlag, unknown] = await Promise.all([
      runCli(['help']),
      runCli(['--help']),
      runCli(['help', 'stats']),
      runCli(['stats', '--help']),
      runCli(['help', 'frobnicate']),
    ]);
    expect(top).toEqual({ code: 0, stdout: topFlag.stdout, stderr: '' });
    expect(top.stdout).toContain('`fastmmap help <command>`');
    expect(stats).toEqual({ code: 0, stdout: statsFlag.stdout, stderr: '' });
    expect(stats.stdout).toMatch(/^Usage: fastmmap stats /);
    expect(unknown).toEqual({
      code: 2,
      stdout: '',
      stderr: 'fastmmap: help: unknown command "frobnicate"\nRun \'fastmmap --help\' for usage.\n',
    });
  });

  it('prints the version of the package', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
  });

  it('has a --help page for every command, whatever else is on the line', async () => {
    const results = await Promise.all(
      commandNames.map((name) => runCli([name, '--help', 'ignored-file'])),
    );
    results.forEach(({ code, stdout }, i) => {
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: fastmmap ${commandNames[i]} `));
      expect(stdout).toContain('Examples:');
    });
  });

  it('exits 2 with a one-line hint on usage errors', async () => {
    const cases = [
      [[], 'Usage: fastmmap <command>'],
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['--bogus'], 'unknown option --bogus'],
      [['stats', 'file', '--bogus'], 'stats: unknown option --bogus'],
      [['stats'], 'stats: missing FILE'],
      [['get', 'file'], 'get: missing KEY'],
      [['keys', 'a', 'b'], 'unexpected argument "b"'],
      [['keys', 'file', '--limit', 'ten'], '--limit must be a whole number'],
      [['get', 'file', 'key', '--codec', 'xml'], '--codec must be one of cbor, json, raw'],
      [['watch', 'file', '--interval', '5'], '--interval must be a whole number >= 100'],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => runCli([...args])));
    results.forEach(({ code, stdout, stderr }, i) => {
      const expected = cases[i]![1];
      expect(code, String(cases[i]![0])).toBe(2);
      expect(stdout + stderr).toContain(expected);
    });
    expect(results[1]!.stderr).toBe(
      'fastmmap: unknown command "frobnicate"\nRun \'fastmmap --help\' for usage.\n',
    );
    expect(results[4]!.stderr).toContain("Run 'fastmmap stats --help' for usage.");
  });

  it("says what is wrong with an option in the tool's own words", async () => {
    const cases = [
      [['--bogus'], 'unknown option --bogus', ''],
      [['-x'], 'unknown option -x', ''],
      [['--help', 'stats'], 'unexpected argument "stats"', ''],
      [['stats', 'file', '--bogus'], 'stats: unknown option --bogus', 'stats'],
      [['stats', 'file', '--json=yes'], 'stats: --json takes no value', 'stats'],
      [['keys', 'file', '--limit'], 'keys: --limit needs a value', 'keys'],
      [
        ['keys', 'file', '--prefix', '--json'],
        'keys: --prefix needs a value; for one that starts with a dash, write --prefix=--json',
        'keys',
      ],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => runCli([...args])));
    results.forEach((result, i) => {
      const [args, message, command] = cases[i]!;
      const help = command ? `fastmmap ${command} --help` : 'fastmmap --help';
      expect(result, args.join(' ')).toEqual({
        code: 2,
        stdout: '',
        stderr: `fastmmap: ${message}\nRun '${help}' for usage.\n`,
      });
    });
  });

  it('lets negative numbers reach the range check of their option', async () => {
    const cases = [
      [['keys', 'file', '--limit', '-1'], 'keys: --limit must be a whole number >= 0, got "-1"'],
      [['keys', 'file', '--limit=-1'], 'keys: --limit must be a whole number >= 0, got "-1"'],
      [
        ['watch', 'file', '--interval', '-5'],
        'watch: --interval must be a whole number >= 100, got "-5"',
      ],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => runCli([...args])));
    results.forEach(({ code, stderr }, i) => {
      const [args, message] = cases[i]!;
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.split('\n')[0]).toBe(`fastmmap: ${message}`);
    });
  });
});
