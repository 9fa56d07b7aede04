// After tsc: marks the CLI entry executable (npm links it as the `flowrun` bin) and stamps the build, so `npm start`
// (scripts/build-if-stale.mjs) rebuilds only when a source is newer than this.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
const cli = new URL('../dist/cli/index.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
writeFileSync(new URL('../dist/.build-stamp', import.meta.url), `${new Date().toISOString()}\n`);
