// What the benchmarks share: starting the model server and Flowrun as their own processes, and reading
// Flowrun's /metrics.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

export function waitForLine(child, pattern) {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        child.stdout.off('data', onData);
        resolve(match);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

/** Starts a model server script (it prints its URL first) and resolves with its URL and process. */
export async function startModelServer(args, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const url = (await waitForLine(child, /(http:\/\/\S+)\n/))[1];
  return { url, child };
}

/** Starts `flowrun serve` on a temporary SQLite folder with OpenAI pointed at `modelUrl`, and creates a key. */
export async function startFlowrun(modelUrl, extraEnv = {}, nodeArgs = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'flowrun-bench-'));
  const env = {
    ...process.env,
    FLOWRUN_DATA_DIR: dataDir,
    PORT: '0',
    FLOWRUN_LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `${modelUrl}/v1`,
    FLOWRUN_KEY_CACHE_TTL_MS: '600000',
    FLOWRUN_WORKERS: '1',
    ...extraEnv,
  };
  const key = spawnSync(process.execPath, ['dist/cli/index.js', 'keys', 'create'], { env, encoding: 'utf8' }).stdout.trim();
  const child = spawn(process.execPath, [...nodeArgs, 'dist/cli/index.js', 'serve'], {
    env: { ...env, FLOWRUN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = (await waitForLine(child, /"url":"([^"]+)"/))[1];
  return {
    url,
    key,
    child,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Flowrun's own figures from /metrics (the event-loop delay is since the previous scrape). */
export async function serverMetrics(serverUrl) {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    cpuSeconds: value('process_cpu_seconds_total'),
    loopP50Ms: value('nodejs_eventloop_lag_p50_seconds') * 1000,
    loopP99Ms: value('nodejs_eventloop_lag_p99_seconds') * 1000,
    loopMaxMs: value('nodejs_eventloop_lag_max_seconds') * 1000,
    rssBytes: value('process_resident_memory_bytes'),
    heapUsedBytes: value('nodejs_heap_size_used_bytes'),
    openFds: value('process_open_fds'),
    runsInFlight: value('flowrun_runs_in_flight'),
  };
}

export function machine() {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
  };
}

export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** CPU seconds a process has used so far, from /proc (Linux; clock ticks of 1/100 s). */
export function processCpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
