// Sums a V8 CPU profile (.cpuprofile) by component: a function's own time goes to the component of its file, and
// a built-in without a file (JSON, RegExp, typed arrays…) to the component of the nearest caller that has one.
// `node bench/profile-summary.mjs FILE` prints the table.
import { readFileSync } from 'node:fs';

const components = [
  ['GC', (url, fn) => fn === '(garbage collector)'],
  ['idle', (url, fn) => fn === '(idle)'],
  ['logging', (url) => /node_modules\/(pino|sonic-boom|thread-stream|pino-std-serializers)\//.test(url)],
  [
    'validation',
    (url) =>
      /node_modules\/(zod|fastify-type-provider-zod|ajv)\/|(?:src|dist)\/api\/(route-schemas|parse-input)|(?:src|dist)\/protocol\//.test(
        url,
      ),
  ],
  [
    'HTTP and routing',
    (url) =>
      /node_modules\/(fastify|@fastify|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse|fast-querystring|toad-cache|process-warning|abstract-logging)\/|node:_http|node:http|node:net|node:stream|internal\/streams|node:internal\/http|(?:src|dist)\/api\/(app|auth|json-body-parser|errors|headers)/.test(
        url,
      ),
  ],
  ['template rendering', (url) => /node_modules\/liquidjs\/|(?:src|dist)\/engine\/(template|expression)/.test(url)],
  [
    'provider call and stream parsing',
    (url) =>
      /node_modules\/(@ai-sdk|ai|undici|eventsource-parser|@standard-schema|secure-json-parse)\/|internal\/webstreams|internal\/deps\/undici|node:internal\/deps\/undici|(?:src|dist)\/providers\//.test(
        url,
      ),
  ],
  ['persistence', (url) => /node_modules\/(kysely|better-sqlite3)\/|(?:src|dist)\/store\/|(?:src|dist)\/queue\/event-writer/.test(url)],
  ['event encoding', (url) => /(?:src|dist)\/api\/(wire|sse|follow-live|stream-events|respond-with-run)/.test(url)],
  ['flow engine', (url) => /(?:src|dist)\/engine\//.test(url)],
  ['run bookkeeping (queue, dispatch)', (url) => /(?:src|dist)\/(queue|api)\//.test(url)],
  ['node internals', (url) => /^node:/.test(url)],
];

function componentOf(url, fn) {
  for (const [name, test] of components) if (test(url, fn)) return name;
  return url ? 'other' : null;
}

export function summarise(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const resolved = new Map();
  const categorise = (id) => {
    if (resolved.has(id)) return resolved.get(id);
    const node = byId.get(id);
    let name = componentOf(node.callFrame.url, node.callFrame.functionName);
    if (name === null) name = parent.has(id) ? categorise(parent.get(id)) : 'other';
    resolved.set(id, name);
    return name;
  };
  summarise.lastCategorise = categorise;
  const deltas = profile.timeDeltas;
  const totals = new Map();
  profile.samples.forEach((id, index) => {
    const name = categorise(id);
    totals.set(name, (totals.get(name) ?? 0) + (deltas[index] ?? 0));
  });
  return totals;
}

/** The components' shares of the busy (non-idle) time, largest first. */
export function shares(totals) {
  const busy = [...totals].filter(([name]) => name !== 'idle').reduce((sum, [, micros]) => sum + micros, 0);
  return {
    busySeconds: busy / 1e6,
    rows: [...totals]
      .filter(([name]) => name !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([name, micros]) => ({ name, percent: Number(((100 * micros) / busy).toFixed(1)) })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { busySeconds, rows } = shares(summarise(JSON.parse(readFileSync(process.argv[2], 'utf8'))));
  console.log(`CPU busy in the profile: ${busySeconds.toFixed(2)} s`);
  for (const row of rows) console.log(`${row.name.padEnd(36)} ${row.percent.toFixed(1).padStart(5)} %`);
}
