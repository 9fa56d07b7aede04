import { basename, relative, sep } from 'node:path';

/**
 * The command that runs this CLI where it runs now, for the hints it prints (`… keys create`): `npx flowrun` where
 * npx finds it locally (installed as a dependency: `node_modules/.bin/flowrun`), `flowrun` when it is on the PATH
 * (`npm install -g`, `npm link`), and otherwise, in a clone of the repository, `node dist/cli/index.js` (there npx
 * would not use the local build: it installs the project into npm's cache and builds it again).
 */
export function cliCommand(script: string = process.argv[1] ?? '', cwd: string = process.cwd()): string {
  if (script.split(sep).includes('node_modules')) return 'npx flowrun';
  if (basename(script) === 'flowrun') return 'flowrun';
  const path = relative(cwd, script);
  return `node ${path && !path.startsWith('..') ? path : script}`;
}
