// npm run bench:streams: how many slow streaming runs one Flowrun process holds. A paced model server (time to
// first token, tokens per second, answer length: BENCH_PACE, default 300 ms, 40/s, 150 tokens) answers a
// one-step flow streamed as SSE; the client keeps N runs in flight for BENCH_LEVEL_SECONDS at each level of
// BENCH_LEVELS (100, 500, 1000, 2000, 5000), starting a new run when one ends. Reported per level: runs
// completed per second, delivery delay (the model server stamps each token with the time it sent it; the client
// reads the stamp from the step_chunk frame Flowrun made of it) p50/p99, Flowrun's RSS and heap per run in
// flight above its idle figures, open file descriptors, event-loop delay, and errors.
import { Agent, request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { machine, percentile, serverMetrics, startFlowrun, startModelServer } from './lib.mjs';

const levels = (process.env.BENCH_LEVELS ?? '100,500,1000,2000,5000').split(',').map(Number);
const levelSeconds = Number(process.env.BENCH_LEVEL_SECONDS ?? 20);
const pace = process.env.BENCH_PACE ?? '300,40,150';
const [ttftMs, tokensPerSecond, tokens] = pace.split(',').map(Number);
/** How long one run takes at the model's pace: the ramp, and the shortest sensible level. */
const runMs = ttftMs + (1000 * tokens) / tokensPerSecond;

export function streamingBody() {
  return JSON.stringify({
    record: { name: 'bench', metadata: { name: 'Ada' } },
    flow: {
      name: 'bench',
      steps: [
        {
          id: 's1',
          name: 's1',
          type: 'prompt',
          config: { model: 'gpt-4o-mini', userPrompt: 'Tell {{_record.metadata.name}} a story', outputVariable: 's1' },
        },
      ],
    },
    options: { streamResponse: true, recordMode: 'virtual', flowMode: 'virtual' },
  });
}

/**
 * Keeps `inFlight` streaming runs going until `until()` is false; each run's step_chunk frames feed `delays`.
 * Resolves when every run has ended.
 */
export function drive(server, inFlight, until, stats, rampMs = 0) {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const body = streamingBody();
  const headers = { authorization: `Bearer ${server.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  const url = new URL(`${server.url}/v1/dispatch`);
  const one = () =>
    new Promise((resolve) => {
      let buffered = '';
      let completed = false;
      const fail = () => {
        stats.errors++;
        resolve();
      };
      const req = request(url, { method: 'POST', agent, headers }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return fail();
        }
        res.setEncoding('utf8');
        res.on('data', (text) => {
          const at = performance.timeOrigin + performance.now();
          buffered += text;
          let end;
          while ((end = buffered.indexOf('\n\n')) !== -1) {
            const frame = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            // A text delta (step_delta in Runtype's vocabulary, step_chunk in Travrse's) carries one stamped token.
            if (frame.startsWith('event: step_delta') || frame.startsWith('event: step_chunk')) {
              const stamp = /t(\d{13}\.\d)/.exec(frame);
              if (stamp) stats.delays.push(at - Number(stamp[1]));
            } else if (frame.startsWith('event: flow_complete')) completed = true;
          }
        });
        res.on('end', () => {
          if (!completed) return fail();
          stats.completed++;
          resolve();
        });
        res.on('error', fail);
      });
      req.setTimeout(120_000, () => req.destroy());
      req.on('error', fail);
      req.end(body);
    });
  // Starts spread over `rampMs` (one run's length), so runs do not start and end in lockstep waves.
  const slot = async (index) => {
    await new Promise((resolve) => setTimeout(resolve, (rampMs * index) / inFlight));
    while (until()) await one();
  };
  return Promise.all(Array.from({ length: inFlight }, (_, index) => slot(index))).finally(() => agent.destroy());
}

async function level(server, inFlight) {
  const stats = { delays: [], completed: 0, errors: 0 };
  const idle = await serverMetrics(server.url);
  const started = Date.now();
  let running = true;
  const done = drive(server, inFlight, () => running, stats, runMs);
  // The plateau: sampled in the second half of the level, when every slot has a run going.
  await new Promise((resolve) => setTimeout(resolve, (levelSeconds * 1000) / 2));
  const windowStart = { at: Date.now(), completed: stats.completed, cpu: (await serverMetrics(server.url)).cpuSeconds };
  await new Promise((resolve) => setTimeout(resolve, (levelSeconds * 1000) / 4));
  const plateau = await serverMetrics(server.url); // memory and descriptors with every slot busy
  await new Promise((resolve) => setTimeout(resolve, (levelSeconds * 1000) / 4));
  const closing = await serverMetrics(server.url);
  const windowSeconds = (Date.now() - windowStart.at) / 1000;
  const completedInWindow = stats.completed - windowStart.completed;
  running = false;
  await done;
  const delays = stats.delays.sort((a, b) => a - b);
  const perRun = (now, before) => Math.round((now - before) / Math.max(1, plateau.runsInFlight));
  return {
    inFlight,
    runsPerSecond: Number((completedInWindow / windowSeconds).toFixed(1)),
    deliveryDelayMs: {
      p50: round(percentile(delays, 0.5)),
      p99: round(percentile(delays, 0.99)),
      max: round(delays.at(-1)),
      samples: delays.length,
    },
    runsInFlightSeen: plateau.runsInFlight,
    rssBytesPerRun: perRun(plateau.rssBytes, idle.rssBytes),
    heapBytesPerRun: perRun(plateau.heapUsedBytes, idle.heapUsedBytes),
    rssMiB: round(plateau.rssBytes / 2 ** 20),
    heapMiB: round(plateau.heapUsedBytes / 2 ** 20),
    openFds: plateau.openFds,
    serverCpuPercent: round((100 * (closing.cpuSeconds - windowStart.cpu)) / windowSeconds),
    eventLoopDelayMs: { p50: round(closing.loopP50Ms), p99: round(closing.loopP99Ms), max: round(closing.loopMaxMs) },
    completed: stats.completed,
    errors: stats.errors,
    seconds: (Date.now() - started) / 1000,
  };
}

const round = (value) => Number(Number(value).toFixed(1));

if (import.meta.url === `file://${process.argv[1]}`) {
  const model = await startModelServer(['bench/paced-provider.mjs']);
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', 'bench/results'] : [];
  const server = await startFlowrun(
    model.url,
    { FLOWRUN_CONCURRENCY: '100000', ...(process.env.BENCH_SERVER_ENV ? JSON.parse(process.env.BENCH_SERVER_ENV) : {}) },
    profile,
  );
  const results = [];
  try {
    for (const inFlight of levels) {
      const row = await level(server, inFlight);
      results.push(row);
      console.log(
        `${String(inFlight).padStart(5)} in flight: ${String(row.runsPerSecond).padStart(6)} runs/s  delivery p50 ${row.deliveryDelayMs.p50} ms p99 ${row.deliveryDelayMs.p99} ms  ` +
          `RSS ${row.rssMiB} MiB (${Math.round(row.rssBytesPerRun / 1024)} KiB/run)  heap ${row.heapMiB} MiB (${Math.round(row.heapBytesPerRun / 1024)} KiB/run)  ` +
          `fds ${row.openFds}  cpu ${row.serverCpuPercent} %  loop p99 ${row.eventLoopDelayMs.p99} ms  errors ${row.errors}`,
      );
    }
  } finally {
    await server.stop();
    model.child.kill('SIGTERM');
  }
  const info = { machine: machine(), pace, levelSeconds };
  console.log(`\nmachine: ${JSON.stringify(info)}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/streams.json', JSON.stringify({ ...info, results }, null, 2));
  process.exit(0);
}
