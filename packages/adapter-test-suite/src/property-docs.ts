import { join } from 'node:path';
import ts from 'typescript';
import { expect } from 'vitest';

/**
 * The doc comment of each property of the type `typeName` exported by `specifier` (resolved
 * from `fromDir`), inherited ones included: what an editor shows an app on hover.
 */
export function propertyDocs(
  specifier: string,
  typeName: string,
  fromDir: string,
): Record<string, string> {
  // A file that is never written: the program sees it, resolving imports from fromDir.
  const probe = join(fromDir, '__property-docs__.ts');
  const text = `import type { ${typeName} } from '${specifier}';\nexport type Probe = ${typeName};\n`;
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => name === probe || fileExists.call(host, name);
  host.readFile = (name) => (name === probe ? text : readFile.call(host, name));
  host.getSourceFile = (name, language, ...rest) =>
    name === probe
      ? ts.createSourceFile(name, text, language)
      : getSourceFile.call(host, name, language, ...rest);
  const program = ts.createProgram([probe], options, host);
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(probe)!)!;
  const alias = checker.getExportsOfModule(module).find((symbol) => symbol.name === 'Probe')!;
  const type = checker.getDeclaredTypeOfSymbol(alias);
  if (type.getProperties().length === 0) throw new Error(`${typeName} not found in ${specifier}`);
  return Object.fromEntries(
    type
      .getProperties()
      .map((p) => [p.name, ts.displayPartsToString(p.getDocumentationComment(checker))]),
  );
}

/**
 * The drop-in stores' options docs (`specifier`'s `typeName`): the stores' own defaults and
 * error codes, never the cache's (Default 89 pages, ERR_FASTMMAP_*), which they override.
 */
export function expectStoreOptionDocs(specifier: string, typeName: string, fromDir: string): void {
  const docs = propertyDocs(specifier, typeName, fromDir);
  expect(docs.numPages).toMatch(/Default 512 /);
  expect(docs.cacheSize).toMatch(/Default 512 pages/);
  expect(docs.pageSize).toMatch(/Default 65536/);
  // Cache errors reach the app as SessionErrors.
  expect(docs.lockTimeout).toMatch(/ERR_SESSION_STORE_UNAVAILABLE/);
  expect(docs.clock).toMatch(/Default `Date.now`/);
  for (const [name, doc] of Object.entries(docs)) {
    expect(doc, name).not.toMatch(/Default 89|ERR_FASTMMAP_/);
  }
}
