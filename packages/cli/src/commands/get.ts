import { inspect } from 'node:util';
import { choiceOption, expectPositionals, parseCommandArgs } from '../args.js';
import { type Command, helpPage, jsonOption } from '../command.js';
import { type CodecName, codecNames, decodeValue } from '../decode.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { escapeControls, formatBytes, formatInstant, safeText } from '../format.js';
import { styleFor, writeLine } from '../io.js';
import { formatJson, toJsonSafe } from '../json-output.js';
import { withCache } from '../open-cache.js';
import { sessionKeyHint } from '../session-key-hint.js';
import { tombstoneTest } from '../session-tombstone.js';

const name = 'get';
const synopsis = 'get FILE KEY [--codec cbor|json|raw] [--json]';

export const codecOption: [string, string] = [
  '--codec C',
  'decode values as cbor, json or raw (default: the codec recorded in the file)',
];

/** The codec recorded in the file; values of a custom codec are shown as raw bytes. */
function defaultCodec(fileCodec: string): CodecName {
  return (codecNames as readonly string[]).includes(fileCodec) ? (fileCodec as CodecName) : 'raw';
}

export const getCommand: Command = {
  name,
  synopsis,
  summary: 'show one value, decoded, with its expiry',
  help: helpPage({
    synopsis,
    description:
      'Prints the value stored under KEY, decoded and pretty-printed (Dates, Buffers and nested\n' +
      'objects shown as Node shows them), with its expiry and last access. Exits with 4 when the\n' +
      'key is missing or expired. Put -- before a KEY that starts with a dash. Opens the file\n' +
      'read-only.\n\n' +
      'A destroyed session leaves a tombstone under its key for a few minutes, so that requests\n' +
      'still in flight cannot bring it back; get says so when KEY holds one.\n\n' +
      'With --json, prints { key, found, value, expiresAt, lastAccess, size, codec,\n' +
      'sessionTombstone }: times as ISO strings (expiresAt null = never), Dates in the value as\n' +
      'ISO strings, bytes as { "$bytes": base64 }, sessionTombstone true for a destroyed\n' +
      "session's tombstone; a missing key prints { key, found: false } and exits with 4.",
    options: [codecOption, jsonOption],
    examples: [
      'fastmmap get sessions.fmcache sess:4kq2v9',
      'fastmmap get cache.fmcache config --codec json --json',
      'fastmmap get cache.fmcache -- -key-with-dash',
    ],
  }),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(name, argv, {
      codec: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(this.help);
      return ExitCode.ok;
    }
    const [file, key] = expectPositionals(name, positionals, ['FILE', 'KEY']);
    const chosen =
      values.codec === undefined
        ? undefined
        : choiceOption(name, 'codec', values.codec, codecNames, 'cbor');

    const { entry, fileCodec, hint } = await withCache(file!, 'read', (cache, fileCodec) => {
      const entry = cache.getEntry(key!);
      const hint = entry === undefined ? sessionKeyHint(key!, (k) => cache.has(k)) : '';
      return { entry, fileCodec, hint };
    });
    const codec = chosen ?? defaultCodec(fileCodec);
    if (entry === undefined) {
      // Scripts reading --json get a document either way (as from delete), and the exit code.
      if (values.json) {
        writeLine(io.stdout, formatJson({ key, found: false }));
        return ExitCode.notFound;
      }
      throw new CliError(`key not found: ${safeText(key!)}${hint}`, ExitCode.notFound);
    }
    const value = await decodeValue(entry.value, codec, key!);
    // Judged in the file's own codec, whatever --codec says the value is shown as.
    const sessionTombstone = (await tombstoneTest(fileCodec))(entry.value);
    const now = Date.now();

    if (values.json) {
      const doc = {
        key,
        found: true,
        value: toJsonSafe(value),
        expiresAt: entry.expiresAt === 0 ? null : new Date(entry.expiresAt).toISOString(),
        lastAccess: new Date(entry.lastAccess).toISOString(),
        size: entry.value.length,
        codec,
        sessionTombstone,
      };
      writeLine(io.stdout, formatJson(doc));
      return ExitCode.ok;
    }

    const style = styleFor(io.stdout);
    const rows: Array<[string, string]> = [
      ['key', safeText(key!)],
      ['expires', entry.expiresAt === 0 ? 'never' : formatInstant(entry.expiresAt, now)],
      ['accessed', formatInstant(entry.lastAccess, now)],
      ['size', `${formatBytes(entry.value.length)} (${codec})`],
    ];
    if (sessionTombstone) {
      const note = 'destroyed: a tombstone that keeps in-flight requests from bringing it back';
      rows.push(['session', style('yellow', note)]);
    }
    for (const [label, text] of rows)
      writeLine(io.stdout, `${style('dim', label.padEnd(8))}  ${text}`);
    writeLine(
      io.stdout,
      escapeControls(
        inspect(value, {
          depth: null,
          colors: style.enabled,
          maxArrayLength: 1000,
          breakLength: 100,
        }),
      ),
    );
    return ExitCode.ok;
  },
};
