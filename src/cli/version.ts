import { readFileSync } from 'node:fs';

/** Flowrun's version, from its package.json (two folders up from both src/cli and dist/cli). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
