import { expectPositionals, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatCount } from '../format.js';
import { writeLine } from '../io.js';
import { formatJson } from '../json-output.js';
import { heldLockLines } from '../lock-advice.js';
import { heldLockReports } from '../lock-report.js';
import { withCache } from '../open-cache.js';

const name = 'verify';
const synopsis = 'verify FILE [--json]';

export const verifyCommand: Command = {
  name,
  synopsis,
  summary: 'check every page and record checksum (exit 5) and the page locks (exit 7)',
  help: helpPage({
    synopsis,
    description:
      'Checks every page, taking no lock (apps keep running; a page that a writer changes is\n' +
      'read again): page headers, slot tables and record checksums. Changes nothing: a torn\n' +
      'page is repaired by the next write to it, and `fastmmap purge FILE` repairs everything\n' +
      'verify finds.\n' +
      'Also watches the page locks for a moment: a lock that one process keeps (stopped,\n' +
      "frozen, stuck) makes the apps' writes to its pages wait, then fail. Names that process,\n" +
      'its state from /proc, and what to do (kill -CONT, or end it).\n' +
      'Exits with 5 when a page or record is damaged, 7 when a page lock is kept (before 5:\n' +
      'purge needs the lock too). With --json prints\n' +
      '{ ok, pages, items, badRecords, tornPages, badPages, heldLocks }.',
    options: [jsonOption],
    examples: ['fastmmap verify sessions.fmcache', 'fastmmap verify sessions.fmcache --json'],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, { json: { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [file] = expectPositionals(name, positionals, ['FILE']);
    const { report, heldLocks } = await withCache(file!, 'read', async (cache) => ({
      report: cache.verify(),
      heldLocks: await heldLockReports(cache, cache.path),
    }));
    // A lock held by a running process is reported, but may be a busy one: only a holder that
    // cannot let go (stopped, traced, frozen) fails the check.
    const stuckLocks = heldLocks.filter((lock) => lock.stuck).length;
    const ok = report.ok && stuckLocks === 0;
    if (values.json) {
      const { pages, items, badRecords, tornPages, badPages } = report;
      writeLine(
        io.stdout,
        formatJson({ ok, pages, items, badRecords, tornPages, badPages, heldLocks }),
      );
    } else {
      const held = heldLocks.length > 0 ? `, ${formatCount(heldLocks.length)} held locks` : '';
      writeLine(
        io.stdout,
        `${ok ? 'ok' : 'PROBLEMS FOUND'}: ${formatCount(report.pages)} pages, ${formatCount(report.items)} items, ` +
          `${formatCount(report.badRecords)} bad records, ${formatCount(report.tornPages)} torn pages, ` +
          `${formatCount(report.badPages)} bad pages${held}`,
      );
      for (const lock of heldLocks) {
        for (const line of heldLockLines(lock, report.pages)) writeLine(io.stdout, `  ${line}`);
      }
      // A torn page alone is the usual trace of a crash: say so, or an operator takes the file
      // for lost. Next to damage, say what a repair costs.
      if (report.tornPages > 0 && report.badPages === 0 && report.badRecords === 0) {
        writeLine(
          io.stdout,
          stuckLocks > 0
            ? `  ${formatCount(report.tornPages)} torn pages: likely the pages the lock holder above stopped writing. ` +
                'Resumed, it finishes the write; ended, the next write to each repairs it, losing at most that write.'
            : `  ${formatCount(report.tornPages)} torn pages: a process died (or is stopped) while writing them. ` +
                'The next write to each repairs it, losing at most that write; `fastmmap purge FILE` repairs them all now.',
        );
      } else if (!report.ok) {
        // Say what repairs what: an app's write repairs only what it meets on its way.
        writeLine(
          io.stdout,
          '  `fastmmap purge FILE` repairs them all now, dropping only what fails its checks (a page whose header ' +
            'is garbage starts over empty unless its slot table can still be read). Until then, apps repair a torn ' +
            'page or a garbage header at the next write to it, drop a bad record when they next read or write its ' +
            'key, and recount a page when it next fills.',
        );
      }
    }
    if (stuckLocks > 0) return ExitCode.lockHeld;
    return report.ok ? ExitCode.ok : ExitCode.verifyFailed;
  },
};
