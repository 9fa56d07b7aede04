// npm run bench (part), npm run bench:sandbox: the QuickJS sandbox on its own: warm call latency of a trivial
// function, throughput of concurrent calls on the machine's cores (one worker thread per core), and how long
// another tenant's call waits while one tenant's endless tools hold every thread it may (the wait the fairness
// test in src/tools/sandbox/sandbox-fairness.test.ts shows by order only).
import { cpus } from 'node:os';
import { createSandboxPool } from '../dist/tools/sandbox/sandbox-pool.js';

const workers = Math.max(1, cpus().length);
const pool = createSandboxPool({
  workers,
  maxTimeoutMs: 30_000,
  tenantConcurrency: workers,
  timeoutMs: 1000,
  memoryBytes: 32 * 1024 * 1024,
  maxResultBytes: 1024 * 1024,
});
const code = 'return parameters.a + parameters.b;';
const args = { parameters: { a: 1, b: 2 }, params: { a: 1, b: 2 } };

for (let index = 0; index < 300; index++) await pool.run(code, args);
const samples = [];
for (let index = 0; index < 3000; index++) {
  const started = process.hrtime.bigint();
  const reply = await pool.run(code, args);
  samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  if (!reply.ok || reply.result !== 3) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
}
samples.sort((a, b) => a - b);
const at = (q) => samples[Math.floor(q * (samples.length - 1))];
console.log(
  `sandbox warm call (serial, 3000 calls): p50 ${at(0.5).toFixed(3)} ms  p99 ${at(0.99).toFixed(3)} ms  -> ${Math.round(1000 / (samples.reduce((a, b) => a + b, 0) / samples.length))} calls/s`,
);

for (const concurrency of [workers, workers * 4, 64]) {
  let calls = 0;
  const deadline = Date.now() + 3000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await pool.run(code, args);
        calls++;
      }
    }),
  );
  console.log(
    `sandbox concurrent calls (${concurrency} in flight, ${workers} worker threads): ${Math.round(calls / ((Date.now() - started) / 1000))} calls/s`,
  );
}
await pool.close();

// Fairness: one tenant keeps twice its share of endless tools queued; another tenant's trivial calls are timed.
const fair = createSandboxPool({
  workers: 2,
  maxTimeoutMs: 60_000,
  tenantConcurrency: 1,
  timeoutMs: 60_000,
  memoryBytes: 32 * 1024 * 1024,
  maxResultBytes: 1024 * 1024,
});
await Promise.all([fair.run(code, args, { tenant: 'x' }), fair.run(code, args, { tenant: 'y' })]);
const stopHogs = new AbortController();
const hogs = [0, 1, 2, 3].map(() => fair.run('while (true) {}', {}, { tenant: 'hog', signal: stopHogs.signal }));
const waits = [];
for (let index = 0; index < 500; index++) {
  const started = process.hrtime.bigint();
  const reply = await fair.run(code, args, { tenant: 'bystander' });
  waits.push(Number(process.hrtime.bigint() - started) / 1e6);
  if (!reply.ok || reply.result !== 3) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
}
stopHogs.abort();
await Promise.all(hogs);
waits.sort((a, b) => a - b);
const waitAt = (q) => waits[Math.floor(q * (waits.length - 1))];
console.log(
  `sandbox bystander call while another tenant's 4 endless tools hold its share (2 threads, 1 per tenant; 500 calls): p50 ${waitAt(0.5).toFixed(3)} ms  p99 ${waitAt(0.99).toFixed(3)} ms  max ${waits.at(-1).toFixed(3)} ms`,
);
await fair.close();
