// npm run bench: Flowrun's dispatch overhead against a zero-latency fake provider on loopback.
// (a) a 1-step prompt flow through /v1/dispatch, non-streaming and streaming; (b) the same model request sent
// straight to the fake provider (the floor); (c) a 5-step flow. Each at 1, 16 and 64 concurrent clients.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import autocannon from 'autocannon';
import { flowiseDir, flowiseInstalled, startFlowise } from './flowise.mjs';
import { machine, processCpuSeconds, serverMetrics as metricsOf, startFlowrun, startModelServer } from './lib.mjs';

const duration = Number(process.env.BENCH_DURATION ?? 6);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const only = process.env.BENCH_ONLY?.split('|');

const model = await startModelServer(['--import', 'tsx', 'bench/fake-provider-main.ts']);
const fakeUrl = model.url;
const flowrun = await startFlowrun(fakeUrl, { FLOWRUN_KEY_CACHE_TTL_MS: '600000' });
const { url: serverUrl, key } = flowrun;
// The peer, on the same fake model server, when it is installed beside the project (bench/flowise.mjs).
const flowise = flowiseInstalled() ? await startFlowise(fakeUrl) : null;
if (!flowise) console.log(`Flowise is not installed in ${flowiseDir}; the peer comparison is skipped (see bench/flowise.mjs).`);

// A PromptShuttle flow for the run-API scenarios.
const flowResponse = await fetch(`${serverUrl}/api/v1/flows`, {
  method: 'POST',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    name: 'bench',
    slug: 'bench_copy',
    templates: [
      { name: 'main', template: 'You write copy for [[brand]].', userTemplate: 'Describe [[product_name]].', llm: 'gpt-4o-mini' },
    ],
  }),
});
if (flowResponse.status !== 201) throw new Error(`could not create the bench flow: ${await flowResponse.text()}`);
let nonce = 0;
const shuttleBody = (unique) => () =>
  JSON.stringify({ parameters: { brand: 'Acme', product_name: 'Bottle' }, tags: ['bench'], ...(unique ? { nonce: `n${nonce++}` } : {}) });

const prompt = (id) => ({
  id,
  name: id,
  type: 'prompt',
  config: { model: 'gpt-4o-mini', userPrompt: `Say hello to {{_record.metadata.name}} (${id})`, outputVariable: id },
});
const dispatchBody = (steps, stream) =>
  JSON.stringify({
    record: { name: 'bench', metadata: { name: 'Ada' } },
    flow: { name: 'bench', steps },
    options: { streamResponse: stream, recordMode: 'virtual', flowMode: 'virtual' },
  });
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

const scenarios = {
  'floor: fake provider direct': {
    url: `${fakeUrl}/v1/chat/completions`,
    headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to Ada (s1)' }],
      stream: true,
      stream_options: { include_usage: true },
    }),
  },
  '1-step dispatch, JSON': { url: `${serverUrl}/v1/dispatch`, headers, body: dispatchBody([prompt('s1')], false) },
  '1-step dispatch, SSE': { url: `${serverUrl}/v1/dispatch`, headers, body: dispatchBody([prompt('s1')], true) },
  '5-step dispatch, JSON': {
    url: `${serverUrl}/v1/dispatch`,
    headers,
    body: dispatchBody(['s1', 's2', 's3', 's4', 's5'].map(prompt), false),
  },
  // One prompt step whose model calls a custom (sandboxed) tool once per turn, three turns, then answers.
  'tool loop, 3 calls, JSON': {
    url: `${serverUrl}/v1/dispatch`,
    headers,
    body: dispatchBody(
      [
        {
          id: 't',
          name: 't',
          type: 'prompt',
          config: {
            model: 'gpt-4o-mini',
            userPrompt: 'count [tools:3]',
            tools: {
              runtimeTools: [
                {
                  name: 'inc',
                  toolType: 'custom',
                  parametersSchema: { type: 'object', properties: { n: { type: 'number' } } },
                  config: { code: 'return parameters.n + 1;' },
                },
              ],
            },
          },
        },
      ],
      false,
    ),
  },
  ...(flowise
    ? {
        'flowise: 1-step prediction, JSON': {
          url: flowise.predictionUrl,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: 'Ada' }),
          cpuSeconds: () => processCpuSeconds(flowise.pid),
        },
      }
    : {}),
  'shuttle run, uncached': { url: `${serverUrl}/api/v1/flows/bench_copy/runs`, headers, body: shuttleBody(true) },
  'shuttle run, cached': { url: `${serverUrl}/api/v1/flows/bench_copy/runs`, headers, body: shuttleBody(false) },
};

const serverMetrics = () => metricsOf(serverUrl);

async function measure(scenario, connections, seconds) {
  const dynamic = typeof scenario.body === 'function';
  const before = await serverMetrics();
  const peerCpuBefore = scenario.cpuSeconds?.();
  const result = await autocannon({
    url: scenario.url,
    method: 'POST',
    headers: scenario.headers,
    connections,
    duration: seconds,
    ...(dynamic
      ? { requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: scenario.body() }) }] }
      : { body: scenario.body }),
  });
  const after = await serverMetrics();
  const peerCpuAfter = scenario.cpuSeconds?.();
  const total = result.requests.total;
  const cpuSeconds = scenario.cpuSeconds
    ? peerCpuAfter - peerCpuBefore
    : scenario.url.startsWith(serverUrl)
      ? after.cpuSeconds - before.cpuSeconds
      : null;
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    total,
    // Flowrun's CPU per request (the floor's requests never reach Flowrun, so it has none).
    // The serving process's CPU per request (Flowrun's from /metrics, the peer's from /proc; the floor has none).
    serverCpuMicrosPerRun: cpuSeconds === null ? null : Math.round((cpuSeconds * 1e6) / total),
    // Flowrun's event loop (the peer's is not measured).
    eventLoopDelayMs: { p50: round(after.loopP50Ms), p99: round(after.loopP99Ms), max: round(after.loopMaxMs) },
  };
}

const round = (value) => Number(value.toFixed(2));

// Serial latency with a bare keep-alive Node HTTP client and a microsecond clock: autocannon reports whole
// milliseconds, too coarse for the per-step overhead.
async function serialLatency(scenario, count) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(scenario.url);
  const once = () =>
    new Promise((resolve, reject) => {
      const body = typeof scenario.body === 'function' ? scenario.body() : scenario.body;
      const started = process.hrtime.bigint();
      const req = httpRequest(
        url,
        { method: 'POST', agent, headers: { ...scenario.headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.on('data', () => {});
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
              : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  for (let index = 0; index < 50; index++) await once();
  const samples = [];
  for (let index = 0; index < count; index++) samples.push(await once());
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50: Number(at(0.5).toFixed(3)), p99: Number(at(0.99).toFixed(3)) };
}

const results = {};
const serial = {};
try {
  for (const [name, scenario] of Object.entries(scenarios)) {
    // The floor runs in every run: every figure is also reported as a ratio to it.
    if (only && !name.startsWith('floor') && !only.some((part) => name.includes(part))) continue;
    results[name] = {};
    await measure(scenario, 16, 2); // warm up: JIT, connection pools, SQLite pages
    serial[name] = await serialLatency(scenario, Number(process.env.BENCH_SERIAL ?? 500));
    console.log(`${name.padEnd(30)} serial p50 ${serial[name].p50.toFixed(3)} ms  p99 ${serial[name].p99.toFixed(3)} ms`);
    for (const connections of concurrencies) {
      results[name][connections] = await measure(scenario, connections, duration);
      const row = results[name][connections];
      const floorRow = results['floor: fake provider direct']?.[connections];
      row.ratioToFloor = floorRow ? Number((row.requestsPerSecond / floorRow.requestsPerSecond).toFixed(4)) : null;
      console.log(
        `${name.padEnd(30)} c=${String(connections).padEnd(3)} ${String(row.requestsPerSecond).padStart(6)} req/s` +
          (row.ratioToFloor !== null ? ` (${(row.ratioToFloor * 100).toFixed(1)} % of floor)` : '') +
          `  p50 ${String(row.p50).padStart(4)} ms  p99 ${String(row.p99).padStart(4)} ms` +
          (row.serverCpuMicrosPerRun !== null ? `  cpu ${row.serverCpuMicrosPerRun} µs/run` : '') +
          `  loop p50/p99/max ${row.eventLoopDelayMs.p50}/${row.eventLoopDelayMs.p99}/${row.eventLoopDelayMs.max} ms  errors ${row.errors}`,
      );
    }
  }
} finally {
  await flowrun.stop();
  await flowise?.stop();
  model.child.kill('SIGTERM');
}

const floor = results['floor: fake provider direct'];
const one = results['1-step dispatch, JSON'];
const five = results['5-step dispatch, JSON'];
const serialFloor = serial['floor: fake provider direct'];
if (serialFloor && serial['1-step dispatch, JSON']) {
  console.log(
    `\nAdded p50 latency per step, serial: 1-step ${(serial['1-step dispatch, JSON'].p50 - serialFloor.p50).toFixed(3)} ms` +
      (serial['5-step dispatch, JSON']
        ? `, 5-step ${((serial['5-step dispatch, JSON'].p50 - 5 * serialFloor.p50) / 5).toFixed(3)} ms per step`
        : ''),
  );
}
if (serialFloor && serial['1-step dispatch, JSON'] && serial['tool loop, 3 calls, JSON']) {
  // The tool flow makes 4 model calls where the 1-step flow makes 1: what is left after 3 more model round trips
  // is the cost of the 3 tool calls (sandbox, events, checkpointed loop state) plus Flowrun's per-turn overhead.
  const perCall = (serial['tool loop, 3 calls, JSON'].p50 - serial['1-step dispatch, JSON'].p50 - 3 * serialFloor.p50) / 3;
  console.log(`Overhead per tool call over model time, serial p50: ${perCall.toFixed(3)} ms`);
}
if (floor && one) {
  console.log('\nAdded latency per step (p50, Flowrun 1-step JSON minus the floor):');
  for (const connections of concurrencies)
    console.log(`  c=${connections}: ${(one[connections].p50 - floor[connections].p50).toFixed(2)} ms`);
}
if (floor && five) {
  console.log('Added latency per step in a 5-step flow ((p50 − 5 × floor p50) / 5):');
  for (const connections of concurrencies)
    console.log(`  c=${connections}: ${((five[connections].p50 - 5 * floor[connections].p50) / 5).toFixed(2)} ms`);
}
const info = machine();
console.log(`\nmachine: ${JSON.stringify(info)}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/dispatch.json', JSON.stringify({ machine: info, duration, serial, results }, null, 2));
process.exit(0);
