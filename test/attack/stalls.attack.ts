import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startHarness, type Harness } from '../support/harness.js';
import { stallInputs, type StallCase } from '../support/stall-inputs.js';

// Each input here held the event loop for seconds before; none may hold it for more than 100 ms now. Timed, so it
// runs here and not in npm test (which only checks each is answered clearly: test/security-stalls.test.ts).
const maxStallMs = 100;

let harness: Harness;
let cases: StallCase[];
before(async () => {
  harness = await startHarness();
  cases = stallInputs(harness).cases;
});
after(() => harness.close());

/**
 * The longest the event loop was held while `send` ran. A deterministic stall shows on every try; a pause of
 * the whole process (another process on the same two cores, a GC) does not, so the best of three tries counts.
 */
async function worstStall(send: () => Promise<Response>): Promise<{ stallMs: number; status: number; body: string }> {
  let best = await stallOnce(send);
  for (let attempt = 1; attempt < 3 && best.stallMs >= maxStallMs; attempt++) {
    const next = await stallOnce(send);
    if (next.stallMs < best.stallMs) best = next;
  }
  return best;
}

async function stallOnce(send: () => Promise<Response>): Promise<{ stallMs: number; status: number; body: string }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const response = await send();
  const body = await response.text();
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  return { stallMs: histogram.max / 1e6, status: response.status, body };
}

test(`no input that once stalled the server holds its event loop ${maxStallMs} ms`, async () => {
  const held: string[] = [];
  for (const [name, send] of cases) {
    const { stallMs, status, body } = await worstStall(send);
    assert.ok(status < 500, `${name}: answered ${status}: ${body.slice(0, 300)}`);
    console.log(`${name}: event loop held at most ${stallMs.toFixed(1)} ms`);
    if (stallMs >= maxStallMs) held.push(`${name}: ${stallMs.toFixed(1)} ms`);
  }
  assert.deepEqual(held, [], `held the event loop ${maxStallMs} ms or more`);
});
