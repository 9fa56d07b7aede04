// npm run bench:scale: Flowrun on several processes. Embedded (`serve --workers 1|2` on one SQLite file) and
// clustered (1 API process + 1, 2 or 4 `flowrun worker`s on PostgreSQL and Redis), one-step and five-step flows,
// non-streaming dispatches from BENCH_CLIENTS (64) connections for BENCH_DURATION (8) seconds each, against the
// zero-latency fake model server. Prints runs/s, p50/p99 latency, CPU per run by process kind, and what each run
// writes to each store (SQLite rows and bytes; PostgreSQL transactions, rows and WAL bytes; Redis commands).
// Needs PostgreSQL and Redis for the cluster rows: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
// and BENCH_REDIS_URL (default redis://127.0.0.1:6379); BENCH_MODES=embedded or cluster runs one half,
// BENCH_PROCESSES (e.g. 2: embedded processes or cluster workers) and BENCH_FLOWS (e.g. "one step") pick rows.
// BENCH_SETTING=latency is the latency-bound setting: the paced model server answers each call in
// BENCH_LATENCY_MS (200), each process runs BENCH_RUNS_AT_ONCE (16) runs at once (FLOWRUN_WORKER_CONCURRENCY,
// FLOWRUN_CONCURRENCY) and BENCH_CLIENTS defaults to 128, more than 4 workers take at once: throughput is then
// the runs the processes hold at once over the model's latency, and must grow with the processes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { machine, processCpuSeconds, startModelServer } from './lib.mjs';

const setting = process.env.BENCH_SETTING ?? 'cpu';
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 200);
const runsAtOnce = Number(process.env.BENCH_RUNS_AT_ONCE ?? 16);
const duration = Number(process.env.BENCH_DURATION ?? 8);
const clients = Number(process.env.BENCH_CLIENTS ?? (setting === 'latency' ? 128 : 64));
const modes = (process.env.BENCH_MODES ?? 'embedded,cluster').split(',');
const processCounts = process.env.BENCH_PROCESSES ? process.env.BENCH_PROCESSES.split(',').map(Number) : undefined;
const flowNames = process.env.BENCH_FLOWS ? process.env.BENCH_FLOWS.split(',') : undefined;
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const model =
  setting === 'latency'
    ? await startModelServer(['bench/paced-provider.mjs'], { BENCH_PACE: `${latencyMs},1000,1` })
    : await startModelServer(['--import', 'tsx', 'bench/fake-provider-main.ts']);
const baseEnv = {
  ...process.env,
  PORT: '0',
  FLOWRUN_LOG_LEVEL: 'info',
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: `${model.url}/v1`,
  FLOWRUN_KEY_CACHE_TTL_MS: '600000',
  FLOWRUN_RATE_LIMIT_PER_MINUTE: '0',
  FLOWRUN_MAX_RUNS_IN_FLIGHT: '0',
  ...(setting === 'latency' ? { FLOWRUN_WORKER_CONCURRENCY: String(runsAtOnce), FLOWRUN_CONCURRENCY: String(runsAtOnce) } : {}),
};

const step = (id) => ({
  id,
  name: id,
  type: 'prompt',
  config: { model: 'gpt-4o-mini', userPrompt: `Say hello to {{_record.metadata.name}} (${id})`, outputVariable: id },
});
const flows = {
  'one step': [step('s1')],
  'five steps': ['s1', 's2', 's3', 's4', 's5'].map(step),
};
const body = (steps) =>
  JSON.stringify({
    record: { name: 'bench', metadata: { name: 'Ada' } },
    flow: { name: 'bench', steps },
    options: { streamResponse: false, recordMode: 'virtual', flowMode: 'virtual' },
  });

function spawnFlowrun(args, env) {
  const child = spawn(process.execPath, ['dist/cli/index.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk.toString()));
  child.stderr.on('data', (chunk) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function until(check, what, ms = 30_000) {
  for (const deadline = Date.now() + ms; !check(); await new Promise((resolve) => setTimeout(resolve, 50)))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

function stop(children) {
  return Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** BENCH_LOGS=1: the processes' warnings and errors (a row with errors says which). */
function printTrouble(processes) {
  if (!process.env.BENCH_LOGS) return;
  for (const { output } of processes)
    for (const line of output().split('\n')) if (/"level":(40|50|60)/.test(line)) console.error(line.slice(0, 600));
}

/** `serve --workers N` on a new SQLite folder. */
async function embedded(workers) {
  const dataDir = mkdtempSync(join(tmpdir(), 'flowrun-scale-'));
  const env = { ...baseEnv, FLOWRUN_DATA_DIR: dataDir, FLOWRUN_WORKERS: String(workers) };
  const key = spawnSync(process.execPath, ['dist/cli/index.js', 'keys', 'create'], { env, encoding: 'utf8' }).stdout.trim();
  const server = spawnFlowrun(['serve'], env);
  await until(() => (server.output().match(/flowrun listening/g) ?? []).length >= workers, 'the server processes');
  const url = /"url":"([^"]+)"/.exec(server.output())[1];
  const file = join(dataDir, 'flowrun.sqlite');
  const pids = () =>
    workers === 1
      ? [server.child.pid]
      : spawnSync('ps', ['-o', 'pid=', '--ppid', String(server.child.pid)], { encoding: 'utf8' })
          .stdout.split('\n')
          .map(Number)
          .filter(Boolean);
  return {
    url,
    key,
    cpu: () => ({ server: pids().reduce((sum, pid) => sum + processCpuSeconds(pid), 0) }),
    async stores() {
      const bytes = ['', '-wal'].reduce((sum, suffix) => sum + (statSync(file + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);
      const rows = spawnSync(
        'node',
        [
          '-e',
          `const D=require('better-sqlite3');const d=new D(${JSON.stringify(file)},{readonly:true});` +
            `console.log(['executions','execution_events','execution_steps','credit_ledger'].reduce((s,t)=>s+d.prepare('select count(*) n from '+t).get().n,0))`,
        ],
        { encoding: 'utf8', env: { ...process.env, PATH: process.env.PATH } },
      ).stdout.trim();
      return { sqliteRows: Number(rows), sqliteBytes: bytes };
    },
    async close() {
      await stop([server.child]);
      printTrouble([server]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One API process and N workers on a new PostgreSQL database and a Redis prefix of their own. */
async function cluster(workers) {
  const name = `flowrun_scale_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const env = {
    ...baseEnv,
    FLOWRUN_DATA_DIR: mkdtempSync(join(tmpdir(), 'flowrun-scale-')),
    FLOWRUN_DATABASE_URL: url.toString(),
    FLOWRUN_DATABASE_POOL_SIZE: '20',
    FLOWRUN_REDIS_URL: redisUrl,
    FLOWRUN_REDIS_PREFIX: name,
    FLOWRUN_SECRET_KEY: 'cc'.repeat(32),
    FLOWRUN_WORKERS: '1',
  };
  const key = spawnSync(process.execPath, ['dist/cli/index.js', 'keys', 'create'], { env, encoding: 'utf8' }).stdout.trim();
  const api = spawnFlowrun(['serve'], env);
  const pool = Array.from({ length: workers }, () => spawnFlowrun(['worker'], env));
  await until(
    () => /flowrun listening/.test(api.output()) && pool.every((worker) => /flowrun worker started/.test(worker.output())),
    'the cluster',
  );
  const redis = new Redis(redisUrl);
  const database = new pg.Client({ connectionString: url.toString() });
  await database.connect();
  return {
    url: /"url":"([^"]+)"/.exec(api.output())[1],
    key,
    cpu: () => ({
      api: processCpuSeconds(api.child.pid),
      workers: pool.reduce((sum, worker) => sum + processCpuSeconds(worker.child.pid), 0),
    }),
    async stores() {
      const stats = (
        await database.query(`select xact_commit, tup_inserted, tup_updated, tup_deleted from pg_stat_database where datname = $1`, [name])
      ).rows[0];
      const wal = (await database.query(`select pg_current_wal_lsn() - '0/0' as bytes`)).rows[0].bytes;
      const info = await redis.info('stats');
      return {
        postgresCommits: Number(stats.xact_commit),
        postgresRows: Number(stats.tup_inserted) + Number(stats.tup_updated) + Number(stats.tup_deleted),
        postgresWalBytes: Number(wal),
        redisCommands: Number(/total_commands_processed:(\d+)/.exec(info)[1]),
      };
    },
    async close() {
      await stop([api.child, ...pool.map((worker) => worker.child)]);
      printTrouble([api, ...pool]);
      await database.end();
      redis.disconnect();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
      rmSync(env.FLOWRUN_DATA_DIR, { recursive: true, force: true });
    },
  };
}

async function measure(target, flowName) {
  const steps = flows[flowName];
  // Warm up (JIT, pools, connections), then measure.
  await autocannon({
    url: `${target.url}/v1/dispatch`,
    method: 'POST',
    headers: headers(target),
    body: body(steps),
    connections: clients,
    duration: 2,
  });
  const storesBefore = await target.stores();
  const cpuBefore = { ...target.cpu(), ...benchCpu() };
  const result = await autocannon({
    url: `${target.url}/v1/dispatch`,
    method: 'POST',
    headers: headers(target),
    body: body(steps),
    connections: clients,
    duration,
  });
  const cpuAfter = { ...target.cpu(), ...benchCpu() };
  // Let the last group commits land before the stores are read.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const storesAfter = await target.stores();
  const runs = result['2xx'];
  const perRun = (before, after) =>
    Object.fromEntries(Object.keys(after).map((name) => [name, Math.round(((after[name] - before[name]) / runs) * 10) / 10]));
  return {
    runsPerSecond: Math.round(runs / duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuMsPerRun: Object.fromEntries(
      Object.keys(cpuAfter).map((kind) => [kind, Math.round(((cpuAfter[kind] - cpuBefore[kind]) * 100_000) / runs) / 100]),
    ),
    writesPerRun: perRun(storesBefore, storesAfter),
  };
}

// What the machine spends beside Flowrun: the model server and this process (autocannon), on the same cores.
const benchCpu = () => {
  const own = process.cpuUsage();
  return { modelServer: processCpuSeconds(model.child.pid), loadGenerator: (own.user + own.system) / 1e6 };
};

const headers = (target) => ({ authorization: `Bearer ${target.key}`, 'content-type': 'application/json' });

const rows = [];
const shapes = [
  ...(modes.includes('embedded') ? [1, 2].map((workers) => ({ mode: 'embedded', workers, start: () => embedded(workers) })) : []),
  ...(modes.includes('cluster') ? [1, 2, 4].map((workers) => ({ mode: 'cluster', workers, start: () => cluster(workers) })) : []),
].filter((shape) => !processCounts || processCounts.includes(shape.workers));
for (const shape of shapes) {
  const target = await shape.start();
  try {
    for (const flowName of Object.keys(flows).filter((name) => !flowNames || flowNames.includes(name))) {
      const figures = await measure(target, flowName);
      const row = { mode: shape.mode, processes: shape.workers, flow: flowName, ...figures };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    await target.close();
  }
}
model.child.kill();

console.log(
  `\n${clients} clients, ${duration} s each, non-streaming dispatches, ` +
    (setting === 'latency' ? `model answering in ${latencyMs} ms, ${runsAtOnce} runs at once per process` : 'zero-latency model server'),
);
console.log('| mode | processes | flow | runs/s | p50 ms | p99 ms | errors | CPU ms per run | writes per run |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows)
  console.log(
    `| ${row.mode} | ${row.mode === 'cluster' ? `1 API + ${row.processes} workers` : row.processes} | ${row.flow} | ${row.runsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors} | ${Object.entries(
      row.cpuMsPerRun,
    )
      .map(([kind, ms]) => `${kind} ${ms}`)
      .join(', ')} | ${Object.entries(row.writesPerRun)
      .map(([store, count]) => `${store} ${count}`)
      .join(', ')} |`,
  );
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/scale-${setting}-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.json`;
writeFileSync(file, JSON.stringify({ machine: machine(), setting, latencyMs, runsAtOnce, clients, duration, rows }, null, 2));
console.log(`\nraw figures: ${file}`);
