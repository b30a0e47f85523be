import type { CacheStats, PathState } from '@fastmmap/session-core/cache';
import { expectPositionals, integerOption, parseCommandArgs } from '../args.js';
import { type Command, helpPage } from '../command.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatPercent, formatRate } from '../format.js';
import { type CliIo, type Style, styleFor } from '../io.js';
import { formatJson } from '../json-output.js';
import { type HeldLockReport, heldLockReports } from '../lock-report.js';
import { openCacheFile } from '../open-cache.js';
import { loadSizeAdvisor, type SizeAdvisor } from '../size-advice.js';
import { hitRatio, renderStats, statsJson } from '../stats-report.js';

const name = 'watch';
const synopsis = 'watch FILE [--interval MS] [--json]';

const rateCounters = [
  'hits',
  'misses',
  'sets',
  'deletes',
  'expiredRemovals',
  'evictions',
  'evictionsUnexpired',
] as const;
type Rates = Record<(typeof rateCounters)[number], number>;

/** Counter increase per second; a counter that went down means the file was recreated. */
function ratesBetween(previous: CacheStats, current: CacheStats, seconds: number): Rates {
  const rates = {} as Rates;
  for (const counter of rateCounters) {
    rates[counter] = Math.max(0, current[counter] - previous[counter]) / seconds;
  }
  return rates;
}

function rateLines(rates: Rates | null, seconds: number, style: Style): string[] {
  const title = style('bold', `Rates (per second, over the last ${seconds.toFixed(1)}s)`);
  if (rates === null) return [title, '  (from the next refresh on)'];
  const ratio = hitRatio(rates.hits, rates.misses);
  const cell = (label: string, value: string) => `${label} ${value}`.padEnd(22);
  return [
    title,
    `  ${cell('hits', formatRate(rates.hits))}${cell('misses', formatRate(rates.misses))}hit ratio ${ratio === null ? '-' : formatPercent(ratio)}`,
    `  ${cell('sets', formatRate(rates.sets))}${cell('deletes', formatRate(rates.deletes))}expired ${formatRate(rates.expiredRemovals)}`,
    `  ${cell('evictions', formatRate(rates.evictions))}unexpired evictions ${
      rates.evictionsUnexpired > 0
        ? style(['bold', 'yellow'], formatRate(rates.evictionsUnexpired))
        : formatRate(0)
    }`,
  ];
}

/**
 * The mapped file lives on after an `rm` or a replacement, with frozen counters: apps started
 * from then on use another file. Showing the old one as if nothing happened would hide that.
 */
function checkStillNamed(path: string, state: PathState): void {
  if (state === 'same') return;
  const what = state === 'deleted' ? 'was deleted' : 'was replaced by another file';
  throw new CliError(
    `${path} ${what} while watching: apps that have it open keep using it, apps started since use another file (sessions split); restart the apps, then watch again`,
  );
}

export const watchCommand: Command = {
  name,
  synopsis,
  summary: 'live stats with rates per second, until Ctrl-C',
  help: helpPage({
    synopsis,
    description:
      'Redraws the stats every interval, with counter rates per second, until Ctrl-C (exit 0).\n' +
      'Stops with exit 1 when the file is deleted or replaced meanwhile (apps then split).\n' +
      'Opens the file read-only. When stdout is not a terminal, frames are appended instead of\n' +
      'redrawn. With --json prints one JSON object per line and interval:\n' +
      '{ time, stats (as stats --json, without pages, sessionTombstones and expiredItems), rates\n' +
      '(null in the first line), largestRecord: { bytes, shareRead } }. watch reads the counters\n' +
      'and, for the size advice, the largest record in 4 MiB of pages a frame, round the file\n' +
      '(shareRead: the share of the pages read so far), never the items. Like stats,\n' +
      'it reports a page lock that one process keeps (stopped, frozen, stuck), with that process\n' +
      'and what to do (heldLocks in --json).',
    options: [
      ['--interval MS', 'refresh period in milliseconds (default 1000, minimum 100)'],
      ['--json', 'print one JSON line per refresh'],
    ],
    examples: [
      'fastmmap watch sessions.fmcache',
      'fastmmap watch sessions.fmcache --interval 5000 --json >> stats.ndjson',
    ],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, {
      interval: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [file] = expectPositionals(name, positionals, ['FILE']);
    const interval = integerOption(name, 'interval', values.interval, { min: 100, fallback: 1000 });
    const { cache, pathNow } = await openCacheFile(file!, 'read');
    const sizeAdvisor = await loadSizeAdvisor();
    return watchLoop(
      async () => {
        checkStillNamed(cache.path, pathNow());
        const stats = cache.stats();
        // 4 MiB of pages a frame (~3 ms), round the file: watch reads no items.
        const largest = cache.largestRecordSoFar();
        // A quiet file costs one look; a kept lock up to 250 ms of sampling (see lock-report).
        return { stats, largest, heldLocks: await heldLockReports(cache, cache.path) };
      },
      {
        interval,
        json: values.json === true,
        io,
        sizeAdvisor,
      },
    ).finally(() => cache.close());
  },
};

interface WatchOptions {
  interval: number;
  json: boolean;
  io: CliIo;
  sizeAdvisor: SizeAdvisor;
}

function watchLoop(
  readStats: () => Promise<{
    stats: CacheStats;
    largest: { bytes: number; shareRead: number };
    heldLocks: HeldLockReport[];
  }>,
  { interval, json, io, sizeAdvisor }: WatchOptions,
): Promise<number> {
  const style = styleFor(io.stdout);
  const redraw = io.stdout.isTTY === true && !json;
  let previous: { stats: CacheStats; at: number } | undefined;
  let stopped = false;

  const frame = async () => {
    const at = Date.now();
    const { stats, largest, heldLocks } = await readStats();
    // Ctrl-C while the locks were sampled: the terminal has been given back already.
    if (stopped) return;
    const seconds = previous ? (at - previous.at) / 1000 : interval / 1000;
    const rates = previous && seconds > 0 ? ratesBetween(previous.stats, stats, seconds) : null;
    previous = { stats, at };
    // Expired items count as live: telling them apart needs every item (`stats`).
    const sizing = sizeAdvisor(stats, { expired: 0, largestRecord: largest.bytes });
    if (json) {
      const { pages: _pages, ...withoutPages } = statsJson(stats, { sizing, heldLocks });
      io.stdout.write(
        `${formatJson({ time: new Date(at).toISOString(), stats: withoutPages, rates, largestRecord: largest }, { compact: true })}\n`,
      );
      return;
    }
    const lines = [
      style(
        'dim',
        `fastmmap watch · every ${interval} ms · Ctrl-C to quit · ${new Date(at).toISOString()}`,
      ),
      '',
      ...renderStats(stats, style, at, {
        sizing,
        heldLocks,
        largestShareRead: largest.shareRead,
      }),
      '',
      ...rateLines(rates, seconds, style),
    ];
    // Home, rewrite each line clearing its tail, clear below: no flicker on a terminal.
    io.stdout.write(
      redraw
        ? `\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\n\x1b[J`
        : `${lines.join('\n')}\n\n`,
    );
  };

  return new Promise<number>((resolve, reject) => {
    if (redraw) io.stdout.write('\x1b[?25l\x1b[2J');
    let timer: NodeJS.Timeout | undefined;
    const stop = (result: () => void) => {
      stopped = true;
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (redraw) io.stdout.write('\x1b[?25h');
      result();
    };
    // The next frame is due an interval after this one started, never before it is done.
    const tick = async () => {
      const started = Date.now();
      try {
        await frame();
      } catch (err) {
        if (!stopped) stop(() => reject(err));
        return;
      }
      if (!stopped) timer = setTimeout(tick, Math.max(0, interval - (Date.now() - started)));
    };
    const onSignal = () => stop(() => resolve(ExitCode.ok));
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void tick();
  });
}
