import { readFileSync } from 'node:fs';

/** Flowrun's version, from its package.json (one folder up from both src/ and dist/). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
