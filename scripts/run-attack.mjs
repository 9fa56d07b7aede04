// The larger attack corpora (SSRF spellings, sandbox escapes, template bombs, the seed-body fuzzer): `npm run test:attack`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join('test', 'attack');
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.attack.ts'))
  .sort()
  .map((name) => join(dir, name));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
