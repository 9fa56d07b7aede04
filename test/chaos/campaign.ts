import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivatePostgres, startPrivateRedis } from '../support/chaos-services.js';
import {
  diskFull,
  kills,
  postgresRestart,
  queuedCancels,
  redisRestart,
  zombieWorker,
  type ScenarioResult,
} from '../support/chaos-scenarios.js';
import { startChaosWorld } from '../support/chaos-world.js';

/**
 * `npm run test:chaos`: the fault campaign. A cluster (2 API processes, 3 workers, a PostgreSQL and a Redis of
 * its own) goes through each fault CHAOS_ROUNDS times (default 3) — a zombie worker, Redis lost and restarted
 * empty, PostgreSQL's connections terminated and the server restarted, a worker and an API process SIGKILLed,
 * cancels of queued runs — and then an embedded server through a full disk. Every run is checked: ended and as
 * its client was told, its stream equal to its stored log, each step completed once, repeated external calls
 * with their first Idempotency-Key, the ledger exact, no process crashed. Prints each scenario's figures; exits
 * 1 if any failed. CHAOS_RUNS sets the runs per scenario (default 40).
 */

const rounds = Number(process.env.CHAOS_ROUNDS ?? 3);
const runs = Number(process.env.CHAOS_RUNS ?? 40);
const only = process.env.CHAOS_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name);

async function clusterRounds(results: ScenarioResult[]): Promise<void> {
  const postgres = await startPrivatePostgres();
  const redis = await startPrivateRedis();
  const services = { postgres, redis };
  try {
    const world = await startChaosWorld({ databaseUrl: postgres.url, redisUrl: redis.url });
    try {
      for (let round = 1; round <= rounds; round++) {
        const scenarios: Array<[string, () => Promise<ScenarioResult>]> = [
          ['zombie', () => zombieWorker(world, runs)],
          ['redis', () => redisRestart(world, services, runs, 10_000)],
          ['postgres', () => postgresRestart(world, services, runs, 5_000)],
          ['kills', () => kills(world, runs)],
          ['cancels', () => queuedCancels(world, Math.max(10, Math.floor(runs / 2)))],
        ];
        for (const [name, scenario] of scenarios) {
          if (!wanted(name)) continue;
          const result = await scenario();
          report(round, result);
          results.push(result);
        }
      }
    } finally {
      await world.close();
    }
  } finally {
    await redis.close();
    postgres.close();
  }
}

async function diskRounds(results: ScenarioResult[]): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    const dir = join(tmpdir(), `flowrun-chaos-disk-${process.pid}-${round}`);
    mkdirSync(dir, { recursive: true });
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', dir]);
    if (mounted.status !== 0) {
      console.log(`disk full: skipped (a 12 MB tmpfs cannot be mounted here: ${mounted.stderr})`);
      return;
    }
    const filler = join(dir, 'filler');
    try {
      const result = await diskFull(
        () => startChaosWorld({ dataDir: join(dir, 'data') }),
        () => fillDisk(filler),
        () => rmSync(filler, { force: true }),
        runs,
        // Round 1 stays full past the commit window (FLOWRUN_COMMIT_RETRY_MS, 30 s): runs whose commits gave up
        // are continued by the recovery sweep once space returns.
        round === 1 ? Number(process.env.CHAOS_LONG_FULL_MS ?? 40_000) : 4_000,
      );
      report(round, result);
      results.push(result);
    } finally {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Writes `path` until the file system has no space left. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch {
    // ENOSPC: full.
  } finally {
    closeSync(fd);
  }
}

function report(round: number, result: ScenarioResult): void {
  const { verdict } = result;
  console.log(
    JSON.stringify({
      round,
      scenario: result.name,
      ok: result.failures.length === 0,
      failures: result.failures,
      runs: verdict.runs,
      statuses: verdict.statuses,
      foreignFrames: verdict.foreignFrames,
      missedFrames: verdict.missedFrames,
      stepsTwice: verdict.stepsTwice,
      repeatedCalls: verdict.repeatedCalls,
      newKeys: verdict.newKeys,
      ledgerDiff: verdict.ledgerDiff,
      crashed: verdict.crashed,
      ...result.observed,
    }),
  );
}

const results: ScenarioResult[] = [];
const started = Date.now();
await clusterRounds(results);
if (wanted('disk')) await diskRounds(results);
const failed = results.filter((result) => result.failures.length > 0);
console.log(
  `\nchaos: ${results.length - failed.length}/${results.length} scenarios held in ${Math.round((Date.now() - started) / 1000)} s (${rounds} rounds, ${runs} runs each)`,
);
for (const result of failed) console.log(`  ✗ ${result.name}: ${result.failures.join('; ')}`);
process.exit(failed.length > 0 ? 1 : 0);
