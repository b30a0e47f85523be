import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

function diagnosticsOf(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    types: ['node'],
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

it('types session.data from a SessionData declaration merge on the package', () => {
  const fixture = fileURLToPath(new URL('./declaration-merging.fixture.ts', import.meta.url));
  // The fixture reads a merged key with its declared type and has @ts-expect-error on misuse:
  // a broken merge gives errors on both kinds of line.
  expect(diagnosticsOf(fixture)).toEqual([]);
});
