import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { settings } from '../src/cli/settings.js';

// One list of settings, three places that must agree: what the code reads, what README.md documents, and what
// `flowrun serve --help` prints.

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

test('every variable the code reads is in the README table and in serve --help, and nothing else is', () => {
  const source = ['src/config.ts', 'src/cli/commands/serve.ts', 'src/cli/remote.ts'].map((file) => readFileSync(file, 'utf8')).join('\n');
  const read = sorted([...source.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]!));
  const documented = sorted(
    readFileSync('README.md', 'utf8')
      .split('\n')
      .filter((line) => /^\| `[A-Z]/.test(line))
      .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]!)),
  );
  const listed = sorted(settings.flatMap((setting) => setting.names));
  assert.deepEqual(documented, read, 'README.md documents exactly what the code reads');
  assert.deepEqual(listed, read, 'serve --help lists exactly what the code reads');
});
