import { styleText } from 'node:util';

/** Where a command writes; `process` streams in the bin, captured ones when embedded. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; hasColors?: () => boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; hasColors?: () => boolean };
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

type StyleName = Parameters<typeof styleText>[0];

export interface Style {
  readonly enabled: boolean;
  (format: StyleName, text: string): string;
}

/** Colours only on a terminal that wants them (`hasColors` honours NO_COLOR and FORCE_COLOR). */
export function styleFor(stream: CliIo['stdout']): Style {
  const enabled = stream.isTTY === true && stream.hasColors?.() === true;
  const style = (format: StyleName, text: string) => (enabled ? styleText(format, text) : text);
  return Object.assign(style, { enabled });
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
