/* global document */
// npm run bench:dashboard: the dashboard with 10,000 runs stored. Seeds them (one-step echo flows), then measures
// (a) the runs list API (first page, last page, filtered) and (b) in Debian's Chromium: the first load of the
// dashboard, the runs screen's first and last page (from navigation to rows shown), and the page's size in DOM nodes
// and JS heap, which paging keeps flat however many runs there are.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { machine, percentile, startFlowrun } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 10_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 7);
const chromiumPath = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);

// No model server: the echo model answers inside Flowrun.
const flowrun = await startFlowrun('http://127.0.0.1:9', { FLOWRUN_RATE_LIMIT_PER_MINUTE: '0' });
const { url, key } = flowrun;
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const call = async (path, init = {}) => {
  const response = await fetch(`${url}${path}`, { ...init, headers });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
};

const flow = await call('/v1/flows', {
  method: 'POST',
  body: JSON.stringify({
    name: 'Seeded',
    slug: 'seeded',
    steps: [{ type: 'prompt', name: 'Echo', config: { model: 'flowrun/echo', userPrompt: '{{_record.metadata.n}}' } }],
  }),
});

const seedStarted = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < runs) {
      const n = next++;
      await call('/v1/dispatch', {
        method: 'POST',
        body: JSON.stringify({ record: { metadata: { n: `run ${n}` } }, flow: { id: flow.id }, options: { streamResponse: false } }),
      });
    }
  }),
);
const seedSeconds = (performance.now() - seedStarted) / 1000;
console.log(`seeded ${runs} runs in ${seedSeconds.toFixed(1)} s (${Math.round(runs / seedSeconds)} runs/s)`);

/** Median and p90 of `repeats` timings of `action` (ms). */
async function timed(action) {
  const samples = [];
  for (let index = 0; index < repeats; index++) {
    const started = performance.now();
    await action();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: Math.round(percentile(samples, 0.5) * 10) / 10, p90Ms: Math.round(percentile(samples, 0.9) * 10) / 10 };
}

const lastOffset = Math.max(0, Math.floor((runs - 1) / 50) * 50);
const api = {
  'GET /v1/executions?limit=50 (first page)': await timed(() => call('/v1/executions?limit=50')),
  [`GET /v1/executions?limit=50&offset=${lastOffset} (last page)`]: await timed(() => call(`/v1/executions?limit=50&offset=${lastOffset}`)),
  'GET /v1/executions?flowId=…&status=completed&limit=50': await timed(() =>
    call(`/v1/executions?flowId=${flow.id}&status=completed&limit=50`),
  ),
  'GET /api/v1/statistics/usage?groupBy=flow&interval=hour': await timed(() => call('/api/v1/statistics/usage?groupBy=flow&interval=hour')),
};

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const firstLoad = await timed(async () => {
  await page.goto(`${url}/`, { waitUntil: 'load' });
  await page.waitForSelector('#api-key');
});
await page.fill('#api-key', key);
await page.click('button[type=submit]');
await page.waitForSelector('nav >> text=Runs');
const showRuns = (offset) => async () => {
  await page.goto(`${url}/runs${offset ? `?offset=${offset}` : ''}`);
  await page.waitForSelector('table[aria-label=Runs] tbody tr');
};
const browserFigures = {
  'first load of / (sign-in form shown)': firstLoad,
  'runs screen, first page (navigation to 50 rows shown, signed in)': await timed(showRuns(0)),
  'runs screen, last page': await timed(showRuns(lastOffset)),
};
const size = await page.evaluate(() => ({
  domNodes: document.getElementsByTagName('*').length,
  rows: document.querySelectorAll('table[aria-label=Runs] tbody tr').length,
  jsHeapMiB: Math.round(((performance.memory?.usedJSHeapSize ?? 0) / 2 ** 20) * 10) / 10,
}));
const total = await page.textContent('.pager span');
await browser.close();
await flowrun.stop();

console.log(
  JSON.stringify(
    {
      machine: machine(),
      runs,
      seedRunsPerSecond: Math.round(runs / seedSeconds),
      api,
      browser: browserFigures,
      page: { ...size, pager: total },
    },
    null,
    2,
  ),
);
