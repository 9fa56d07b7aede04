// Marks the CLI entry executable after tsc (npm links it as the `flowrun` bin).
import { chmodSync, existsSync } from 'node:fs';
const cli = new URL('../dist/cli/index.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
