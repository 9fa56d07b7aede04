/// <reference lib="dom" />
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startHarness, type Harness } from './support/harness.js';

const chromiumPath = '/usr/bin/chromium';
// CI installs Debian's chromium (.ci/run); elsewhere the test is skipped when it is missing.
const skip = !existsSync(chromiumPath) && process.env.CI !== 'true' ? 'Debian chromium is not installed' : false;

let harness: Harness;
let browser: Browser;
before(async () => {
  if (skip) return;
  harness = await startHarness();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});
after(async () => {
  await browser?.close();
  await harness?.close();
});

test('the playground at / runs its example flow in a real browser and shows the streamed output', { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(`${harness.baseUrl}/`);
  assert.equal(await page.title(), 'Flowrun playground');
  await page.fill('#key', harness.key);
  await page.selectOption('#dialect', 'unified');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'completed', null, { timeout: 15_000 });
  assert.equal((await page.textContent('#output'))?.trim(), 'Hello from the Flowrun playground');
  const types = await page.$$eval('#events .type', (nodes) => nodes.map((node) => node.textContent?.trim()));
  assert.equal(types[0], 'execution_start');
  assert.equal(types.at(-1), 'execution_complete');
  assert.ok(types.includes('text_delta'));
});

test('the playground shows a refused key as an HTTP error, not a crash', { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(`${harness.baseUrl}/`);
  await page.fill('#key', 'tv_test_wrong');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'error 401', null, { timeout: 15_000 });
  assert.match((await page.textContent('#events')) ?? '', /HTTP 401.*Invalid API key/);
});
