import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';
import { startRedirectServer, type Arrival } from './support/redirect-server.js';

// What a request may carry as secrets, and where a secret may go: bounded in count, size and length (each is
// redacted from everything a run keeps), and never on to another origin by a redirect.
let harness: Harness;
let hop: Awaited<ReturnType<typeof startRedirectServer>>;
let port = 0;
let arrived: Arrival[] = [];
before(async () => {
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1' });
  hop = await startRedirectServer();
  port = hop.port;
  arrived = hop.arrived;
});
after(async () => {
  await harness.close();
  await hop.close();
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${harness.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, any> };
}
const paths = (body: Record<string, any>): string[] =>
  (body.details ?? body.error?.details ?? []).map((detail: { path: string }) => detail.path);

const many = (count: number, length = 5) =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`s${index}`, String(index).padStart(length, 'x')]));
const flow = { flow: { name: 'f', steps: [{ id: 's', name: 'S', type: 'set-variable', config: { variableName: 'v', value: 1 } }] } };
const customTool = { tool: { name: 'one', toolType: 'custom', config: { code: 'return 1' } } };

const bodies: Array<[route: string, base: Record<string, unknown>]> = [
  ['/v1/dispatch', { ...flow, options: { streamResponse: false } }],
  ['/v1/tools/test', customTool],
  ['/v1/dispatch/resume', { executionId: 'exec_none', toolOutputs: {} }],
];

test('more than 1,000 secrets, a secret of 1–3 characters, or more than 32 KiB of secrets is a 422 naming the field', async () => {
  for (const [route, base] of bodies) {
    const tooMany = await post(route, { ...base, secrets: many(1_001) });
    assert.equal(tooMany.status, 422, `${route}: ${tooMany.text}`);
    assert.ok(paths(tooMany.body).includes('secrets'), `${route}: ${tooMany.text}`);
    assert.match(tooMany.text, /At most 1000 secrets/);
    const short = await post(route, { ...base, secrets: { k: 'abc' } });
    assert.equal(short.status, 422, `${route}: ${short.text}`);
    assert.ok(paths(short.body).includes('secrets.k'), `${route}: ${short.text}`);
    assert.match(short.text, /at least 4 characters/);
    const large = await post(route, { ...base, secrets: { a: 'x'.repeat(20_000), b: 'y'.repeat(15_000) } });
    assert.equal(large.status, 422, `${route}: ${large.text}`);
    assert.match(large.text, /total at most 32768 characters/);
  }
});

test('a body of 150,000 secrets is refused before it is parsed: 413 naming `secrets`; 50,000 distinct names or 200,000 values in all likewise', async () => {
  for (const [route, base] of bodies) {
    const refused = await post(route, { ...base, secrets: many(150_000) });
    assert.equal(refused.status, 413, `${route}: ${refused.text.slice(0, 300)}`);
    assert.deepEqual(paths(refused.body), ['secrets']);
    assert.match(refused.text, /`secrets` has more than 10000 fields/);
  }
  const names = Array.from({ length: 6 }, (_, group) =>
    Object.fromEntries(Object.entries(many(9_000)).map(([name, value]) => [`${name}_${group}`, value])),
  );
  const distinct = await post('/v1/dispatch', { ...flow, inputs: { names } });
  assert.equal(distinct.status, 413, distinct.text.slice(0, 300));
  assert.match(distinct.text, /more than 50000 distinct field names/);
  const values = await post('/v1/dispatch', { ...flow, inputs: { list: Array.from({ length: 200_001 }, (_, index) => index) } });
  assert.equal(values.status, 413, values.text.slice(0, 300));
  assert.match(values.text, /more than 200000 values/);
});

test('an empty secret and 1,000 secrets of 4+ characters are taken, and every one is redacted from the run', async () => {
  const secrets: Record<string, string> = { ...many(998, 8), empty: '', token: 'tok-abcdef-1234' };
  const tool = { tool: { name: 'leak', toolType: 'custom', config: { code: 'return Object.values(parameters).join(",")' } } };
  const tested = await post('/v1/tools/test', { ...tool, arguments: { a: 's0', b: secrets.s997, c: secrets.token }, secrets });
  assert.equal(tested.status, 200, tested.text);
  assert.equal(tested.body.result, 's0,[REDACTED],[REDACTED]');
});

const external = (url: string, method = 'GET', body?: unknown) => ({
  tool: {
    name: 'hop',
    toolType: 'external',
    config: { url, method, headers: { 'x-api-key': '{{secrets.k}}', 'x-plain': 'hello', 'x-copied': 'key tok-9876543210' }, body },
  },
  secrets: { k: 'tok-9876543210' },
});

test('a header carrying a secret does not follow a redirect to another origin; within the origin it does', async () => {
  arrived.length = 0;
  const crossed = await post(
    '/v1/tools/test',
    external(`http://127.0.0.1:${port}/to?to=${encodeURIComponent(`http://localhost:${port}/far`)}`),
  );
  assert.equal(crossed.status, 200, crossed.text);
  assert.equal(crossed.body.ok, true, crossed.text);
  assert.equal(arrived[0]!.path, '/far');
  assert.equal(arrived[0]!.headers['x-api-key'], undefined, 'the header templated from a secret was dropped');
  assert.equal(arrived[0]!.headers['x-copied'], undefined, 'a header holding a secret verbatim was dropped');
  assert.equal(arrived[0]!.headers['x-plain'], 'hello');
  arrived.length = 0;
  const within = await post('/v1/tools/test', external(`http://127.0.0.1:${port}/to?to=/near`));
  assert.equal(within.body.ok, true, within.text);
  assert.equal(arrived[0]!.path, '/near');
  assert.equal(arrived[0]!.headers['x-api-key'], 'tok-9876543210');
});

test('a body carrying a secret is not sent on by a 307 to another origin: the redirect is refused', async () => {
  arrived.length = 0;
  const to = encodeURIComponent(`http://localhost:${port}/far`);
  const refused = await post(
    '/v1/tools/test',
    external(`http://127.0.0.1:${port}/to?status=307&to=${to}`, 'POST', { token: '{{secrets.k}}' }),
  );
  assert.equal(refused.status, 200, refused.text);
  assert.equal(refused.body.ok, false);
  assert.match(refused.body.error.message, /body that carries a secret; the redirect is not followed/);
  assert.equal(arrived.length, 0);
  assert.ok(!refused.text.includes('tok-9876543210'));
});
