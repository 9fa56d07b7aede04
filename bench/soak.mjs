// npm run bench:soak: a steady streaming load (BENCH_SOAK_RUNS in flight, default 200, on the paced model
// server) for BENCH_SOAK_MINUTES (default 30), sampling Flowrun's RSS and heap every 10 s. A leak shows as a
// heap that keeps growing: the run keeps its promise when the heap's floor at the end is within 10 % of its floor
// after warm-up (the first BENCH_SOAK_WARMUP_MINUTES, default 2). Samples land in bench/results/soak.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { machine, percentile, serverMetrics, startFlowrun, startModelServer } from './lib.mjs';
import { drive } from './streams.mjs';

const inFlight = Number(process.env.BENCH_SOAK_RUNS ?? 200);
const minutes = Number(process.env.BENCH_SOAK_MINUTES ?? 30);
const warmupMinutes = Number(process.env.BENCH_SOAK_WARMUP_MINUTES ?? 2);
const sampleMs = 10_000;

const model = await startModelServer(['bench/paced-provider.mjs']);
const server = await startFlowrun(model.url, { FLOWRUN_CONCURRENCY: '100000' });
const stats = { delays: [], completed: 0, errors: 0 };
const started = Date.now();
const end = started + minutes * 60_000;
const done = drive(server, inFlight, () => Date.now() < end, stats, 4000);
const samples = [];
const mib = (bytes) => Number((bytes / 2 ** 20).toFixed(1));
while (Date.now() < end) {
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const now = await serverMetrics(server.url);
  const delays = stats.delays.sort((a, b) => a - b);
  const sample = {
    minute: Number(((Date.now() - started) / 60_000).toFixed(2)),
    rssMiB: mib(now.rssBytes),
    heapMiB: mib(now.heapUsedBytes),
    openFds: now.openFds,
    runsInFlight: now.runsInFlight,
    completed: stats.completed,
    errors: stats.errors,
    deliveryP99Ms: Number(percentile(delays, 0.99).toFixed(1)),
  };
  stats.delays = [];
  samples.push(sample);
  console.log(JSON.stringify(sample));
}
await done;
// Like with like, under the same steady load: the heap's floor (the lowest sample of a window, what is left after
// a collection) over the 3 minutes after warm-up against the last 3 minutes. A single sample lands anywhere on
// the sawtooth between two collections (it swings by 100 MiB here), so medians would measure the phase, not a leak.
const windowOf = (from, to) => samples.filter((sample) => sample.minute > from && sample.minute <= to);
const after = windowOf(warmupMinutes, warmupMinutes + 3);
const last = windowOf(minutes - 3, minutes);
const floor = (window, key) => Math.min(...window.map((sample) => sample[key]));
const heapAfterWarmup = floor(after, 'heapMiB');
const heapAtEnd = floor(last, 'heapMiB');
const rssAfterWarmup = floor(after, 'rssMiB');
const rssAtEnd = floor(last, 'rssMiB');
const summary = {
  machine: machine(),
  inFlight,
  minutes,
  completed: stats.completed,
  errors: stats.errors,
  heapAfterWarmupMiB: heapAfterWarmup,
  heapAtEndMiB: heapAtEnd,
  heapChangePercent: Number(((100 * (heapAtEnd - heapAfterWarmup)) / heapAfterWarmup).toFixed(1)),
  rssAfterWarmupMiB: rssAfterWarmup,
  rssAtEndMiB: rssAtEnd,
  withinTenPercent: heapAtEnd <= 1.1 * heapAfterWarmup,
};
console.log(`\n${JSON.stringify(summary, null, 2)}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/soak.json', JSON.stringify({ ...summary, samples }, null, 2));
await server.stop();
model.child.kill('SIGTERM');
process.exit(0);
