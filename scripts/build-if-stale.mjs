// `npm start` runs this first: it builds (tsc, and vite for the dashboard) only when a source is newer than the last build, so a start after
// `npm install` (which built once, in `prepare`) goes straight to the server instead of compiling for ~20 s.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', '.build-stamp');

function newest(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), info.mtimeMs);
}

const built = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = Math.max(
  ...[
    'src',
    'client/src',
    'tsconfig.json',
    'tsconfig.build.json',
    'client/tsconfig.json',
    'web/src',
    'web/index.html',
    'web/vite.config.ts',
  ].map((path) => newest(join(root, path))),
);
// The dashboard's build is checked too: a dist/ without it (deleted, or built before the dashboard existed) builds again.
const dashboardMissing = !statSync(join(root, 'dist', 'web', 'index.html'), { throwIfNoEntry: false });
if (sources > built || dashboardMissing) {
  const why =
    built === 0
      ? 'building (first start)'
      : sources > built
        ? 'sources changed since the last build; building'
        : 'the dashboard is not built; building';
  process.stderr.write(`flowrun: ${why}…\n`);
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
