import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

// `npm install` on a Node older than package.json's engines is refused at once, with npm's engines message, rather
// than installing and building for a minute before better-sqlite3 crashes (.npmrc: engine-strict=true).

/** A Node older than the engines allow, to try npm under: FLOWRUN_TEST_OLD_NODE, or /usr/bin/node when it is one. */
function oldNode(): string | undefined {
  for (const candidate of [process.env.FLOWRUN_TEST_OLD_NODE, '/usr/bin/node']) {
    if (!candidate || !existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major, minor] = version.split('.').map(Number) as [number, number];
    if (major >= 18 && (major < 22 || (major === 22 && minor < 14))) return candidate;
  }
  return undefined;
}

/** npm's own script (npm-cli.js), found through the `npm` on the PATH. */
function npmCli(): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    const npm = join(folder, 'npm');
    if (!existsSync(npm)) continue;
    const script = realpathSync(npm);
    if (script.endsWith('.js')) return script;
    const beside = join(dirname(script), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    if (existsSync(beside)) return beside;
  }
  return undefined;
}

test('.npmrc makes the engines strict, and they ask for the Node the CLI checks for', () => {
  assert.match(readFileSync('.npmrc', 'utf8'), /^engine-strict=true$/m);
  const engines = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines;
  assert.equal(engines.node, '>=22.14');
  assert.match(readFileSync('src/cli/node-version.ts', 'utf8'), /major === 22 && minor < 14/);
});

const node = oldNode();
const npm = npmCli();
test(
  'npm install under Node 20 is refused with the engines message, before any install or build',
  { skip: !node || !npm ? 'no Node older than 22.14, or no npm, on this machine' : false },
  () => {
    const scratch = mkdtempSync(join(tmpdir(), 'flowrun-engines-'));
    try {
      for (const file of ['package.json', 'package-lock.json', '.npmrc', 'client/package.json', 'web/package.json']) {
        mkdirSync(dirname(join(scratch, file)), { recursive: true });
        copyFileSync(file, join(scratch, file));
      }
      const result = spawnSync(node!, [npm!, 'install', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: scratch,
        encoding: 'utf8',
        env: { ...process.env, npm_config_cache: join(scratch, '.npm-cache') },
      });
      assert.notEqual(result.status, 0, result.stdout);
      assert.match(result.stderr, /EBADENGINE/);
      assert.match(result.stderr, /Required: \{"node":">=22\.14"\}/);
      assert.ok(!existsSync(join(scratch, 'node_modules')), 'nothing was installed');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
);
