// Every changeset must name real, releasable packages: `changeset version` refuses a changeset
// that mixes an ignored package (the private test suites) with others, and the release breaks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, '.changeset');
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { ignore: string[] };

function workspacePackages(): Set<string> {
  const names = new Set<string>();
  for (const folder of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      try {
        const manifest = readFileSync(join(root, folder, entry.name, 'package.json'), 'utf8');
        names.add((JSON.parse(manifest) as { name: string }).name);
      } catch {
        // A folder without a package (examples/shared): not a package.
      }
    }
  }
  return names;
}

/** The package names of a changeset's front matter (`"@scope/name": patch`); none is allowed. */
function packagesOf(text: string): string[] {
  const front = /^---\n([\s\S]*?)\n?---/.exec(text);
  if (front === null) throw new Error('no front matter');
  const lines = (front[1] ?? '').split('\n').filter((line) => line.trim() !== '');
  return lines.map((line) => {
    const match = /^(["'])(.+)\1:\s*(?:patch|minor|major)\s*$/.exec(line);
    if (match === null) throw new Error(`not a release line: ${line}`);
    return match[2] ?? '';
  });
}

const changesets = readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');

it.each(changesets)('%s names releasable workspace packages', (name) => {
  const names = packagesOf(readFileSync(join(dir, name), 'utf8'));
  const known = workspacePackages();
  expect(names.filter((n) => !known.has(n))).toEqual([]);
  expect(names.filter((n) => config.ignore.includes(n))).toEqual([]);
});
