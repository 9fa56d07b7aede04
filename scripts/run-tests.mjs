// Runs every *.test.ts under src/, test/, client/src/ and web/src/ with node's test runner. Tests that start Flowrun as a child
// process run the build, so it is rebuilt first when any source is newer than it (scripts/build-if-stale.mjs, the
// check `npm start` makes too).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, suffix) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : find(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}

const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// The longest files start first, so the run does not end with one long file on one core while the other idles.
const longest = [
  'test/cluster',
  'test/crash-soak',
  'test/dashboard',
  'test/serve-workers',
  'test/doc-examples',
  'test/store-contract',
  'test/first-ten-minutes',
  'test/cli-client',
  'test/providers',
  'test/server-process',
  'test/widget-persona',
  'src/tools/sandbox/sandbox-fairness',
  'test/secrets-crash',
  'test/tools',
  'test/shuttle',
  'test/hostile-tools',
  'src/tools/sandbox/hostile',
];
const rank = (file) => {
  const index = longest.findIndex((prefix) => file.startsWith(`${prefix}.`));
  return index === -1 ? longest.length : index;
};
const filter = process.argv.slice(2);
// Fault campaigns have scripts of their own and run only when named (`npm run test:faults`, which CI runs, and
// `npm run test:soak`): the tests that SIGKILL servers mid-run (the crash soak, the cluster with a worker killed,
// the run killed with secrets) are not part of the fast suite.
const ownScript = ['test/crash-soak.', 'test/cluster.', 'test/secrets-crash.'];
const files = [...find('src', '.test.ts'), ...find('test', '.test.ts'), ...find('client/src', '.test.ts'), ...find('web/src', '.test.ts')]
  .filter((file) =>
    filter.length === 0 ? !ownScript.some((prefix) => file.startsWith(prefix)) : filter.some((part) => file.includes(part)),
  )
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const concurrency = process.env.FLOWRUN_TEST_CONCURRENCY ?? '3';
// The tests are transpiled once (esbuild, no type checking: `npm run typecheck` does that) and run as plain
// JavaScript: through the TypeScript loader every test process spent ~0.7 s of CPU more on start-up and imports,
// some 40 s of the suite's CPU. FLOWRUN_TEST_TSX=1 runs the sources through tsx instead (FLOWRUN_UPDATE_GOLDEN
// needs it: it rewrites the golden files beside the sources).
const viaTsx = process.env.FLOWRUN_TEST_TSX === '1';
const runnable = viaTsx ? files : await transpile(files);
// Node keeps the compiled code of every module it loads (V8's code cache) in this folder: each of the ~80 test
// processes, and each server a test starts, then skips compiling Fastify, zod and the rest again (~0.2 s of CPU
// each, ~15 s over the suite).
process.env.NODE_COMPILE_CACHE ??= join('node_modules', '.cache', 'flowrun-compile-cache');
const result = spawnSync(
  process.execPath,
  [
    ...(viaTsx ? ['--import', 'tsx'] : []),
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${process.env.FLOWRUN_TEST_TIMEOUT_MS ?? 600000}`,
    ...runnable,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);

/** Transpiles src/ and test/ into .test-build/ (same layout), with links to what the tests read beside them. */
async function transpile(testFiles) {
  const { build } = await import('esbuild');
  const out = '.test-build';
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [
      ...find('src', '.ts'),
      ...find('test', '.ts'),
      ...find('client/src', '.ts'),
      ...find('examples', '.ts'),
      ...find('web/src', '.ts'),
    ],
    outdir: out,
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  for (const [link, target] of [
    ['dist', '../dist'],
    ['docs', '../docs'],
    ['catalog', '../catalog'],
    ['package.json', '../package.json'],
    ...['test/fixtures', 'test/support', 'src/api/wire/golden'].flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => !name.endsWith('.ts'))
        .map((name) => [`${dir}/${name}`, `${'../'.repeat(dir.split('/').length)}../${dir}/${name}`]),
    ),
  ])
    symlinkSync(target, join(out, link));
  return testFiles.map((file) => join(out, file.replace(/\.ts$/, '.js')));
}
