/* global document, MutationObserver */
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
    const measured = await action();
    samples.push(typeof measured === 'number' ? measured : performance.now() - started);
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
/** Milliseconds from the navigation's start to `selector` in the page, measured in the page itself. */
const shown = (selector) =>
  page.evaluate(
    (wanted) =>
      new Promise((resolve) => {
        if (document.querySelector(wanted)) return resolve(performance.now());
        const observer = new MutationObserver(() => document.querySelector(wanted) && (observer.disconnect(), resolve(performance.now())));
        observer.observe(document, { subtree: true, childList: true });
      }),
    selector,
  );
const firstLoad = await timed(async () => {
  await page.goto(`${url}/`, { waitUntil: 'commit' });
  return shown('#api-key');
});
await page.fill('#api-key', key);
await page.click('button[type=submit]');
await page.waitForSelector('nav >> text=Runs');
/** A page load of the runs screen (a link opened, a reload): navigation start to rows shown. */
const loadRuns = async (offset) => {
  const samples = [];
  for (let index = 0; index < repeats; index++) {
    await page.goto(`${url}/runs${offset ? `?offset=${offset}` : ''}`, { waitUntil: 'commit' });
    samples.push(await shown('table[aria-label=Runs] tbody tr'));
  }
  samples.sort((a, b) => a - b);
  return { medianMs: Math.round(percentile(samples, 0.5)), p90Ms: Math.round(percentile(samples, 0.9)) };
};
/** Within the dashboard: from the click on "Runs" (on the flows screen) to the rows shown. */
const clickToRuns = () =>
  timed(async () => {
    await page.click('nav >> text=Flows');
    await page.waitForSelector('h1:has-text("Flows")');
    const started = performance.now();
    await page.click('nav >> text=Runs');
    await page.waitForSelector('table[aria-label=Runs] tbody tr', { timeout: 10_000 });
    return performance.now() - started;
  });
const browserFigures = {
  'first load of / (sign-in form shown)': firstLoad,
  'runs screen, first page (page load: navigation start to 50 rows shown)': await loadRuns(0),
  'runs screen, last page (page load)': await loadRuns(lastOffset),
  'runs screen from a click on Runs (in the dashboard)': await clickToRuns(),
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
