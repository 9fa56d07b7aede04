// npm run bench:profile: where a one-step run's CPU goes. Starts the fake provider and Flowrun (with
// `--cpu-prof`), drives one scenario with autocannon, stops the server, and sums the profile's samples by
// component: a function's own time goes to the component of its file, and a built-in without a file (JSON,
// RegExp, typed arrays…) to the component of the nearest caller that has one. BENCH_PROFILE_SCENARIO picks the
// body: one-step (default), one-step-sse, five-step.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { summarise } from './profile-summary.mjs';
import { startFlowrun, startModelServer } from './lib.mjs';

const scenarioName = process.env.BENCH_PROFILE_SCENARIO ?? 'one-step';
const seconds = Number(process.env.BENCH_DURATION ?? 6);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);

const profileDir = mkdtempSync(join(tmpdir(), 'flowrun-profile-'));
const model = await startModelServer(['--import', 'tsx', 'bench/fake-provider-main.ts']);
const flowrun = await startFlowrun(model.url, {}, ['--cpu-prof', '--cpu-prof-dir', profileDir]);
const { url: serverUrl, key } = flowrun;

const prompt = (id) => ({
  id,
  name: id,
  type: 'prompt',
  config: { model: 'gpt-4o-mini', userPrompt: `Say hello to {{_record.metadata.name}} (${id})`, outputVariable: id },
});
const bodies = {
  'one-step': { steps: [prompt('s1')], stream: false },
  'one-step-sse': { steps: [prompt('s1')], stream: true },
  'five-step': { steps: ['s1', 's2', 's3', 's4', 's5'].map(prompt), stream: false },
};
const chosen = bodies[scenarioName];
const body = JSON.stringify({
  record: { name: 'bench', metadata: { name: 'Ada' } },
  flow: { name: 'bench', steps: chosen.steps },
  options: { streamResponse: chosen.stream, recordMode: 'virtual', flowMode: 'virtual' },
});
const load = (duration) =>
  autocannon({
    url: `${serverUrl}/v1/dispatch`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
    connections,
    duration,
  });
await load(2); // warm-up (in the profile too, but small against the measurement)
const result = await load(seconds);
await flowrun.stop(); // the profile is written when the process exits
model.child.kill('SIGTERM');

const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
mkdirSync('bench/results', { recursive: true });
copyFileSync(join(profileDir, file), `bench/results/${scenarioName}.cpuprofile`);
const totals = summarise(JSON.parse(readFileSync(join(profileDir, file), 'utf8')));
const runs = result.requests.total + 0; // the warm-up's runs are in the profile as well; counted below
const all = [...totals.values()].reduce((sum, value) => sum + value, 0);
const busy = all - (totals.get('idle') ?? 0);
console.log(`${scenarioName}: ${runs} runs measured at ${connections} clients, ${result.requests.average} req/s, node ${process.version}`);
console.log(`CPU busy in the profile: ${(busy / 1e6).toFixed(2)} s\n`);
for (const [name, micros] of [...totals].filter(([name]) => name !== 'idle').sort((a, b) => b[1] - a[1]))
  console.log(`${name.padEnd(36)} ${((100 * micros) / busy).toFixed(1).padStart(5)} %`);
if (process.env.BENCH_PROFILE_TOP) {
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8'));
  const byFunction = new Map();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const only = process.env.BENCH_PROFILE_CATEGORY;
  const category = summarise.lastCategorise;
  profile.samples.forEach((id, index) => {
    if (only && category(id) !== only) return;
    const frame = byId.get(id).callFrame;
    const label = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${frame.lineNumber}`;
    byFunction.set(label, (byFunction.get(label) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  console.log('');
  for (const [label, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_PROFILE_TOP)))
    console.log(`${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${label}`);
}
rmSync(profileDir, { recursive: true, force: true });
process.exit(0);
