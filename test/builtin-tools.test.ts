import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { onePixelPng } from './support/fake-provider.js';
import { toolResultsIn } from './support/fake-scripts.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

/** Runtype's built-in tools: web search (Exa or SearXNG), image generation, reading a page; unconfigured ones warn. */
let web: Server;
let webUrl: string;
const searches: Array<{ path: string; apiKey?: string; body: string }> = [];
let exa: Harness;
let searx: Harness;

before(async () => {
  web = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const body = Buffer.concat(parts).toString('utf8');
    if (request.url === '/otters.html') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        '<html><head><style>p{}</style><script>alert(1)</script></head><body><h1>Otters</h1><p>Otters hold hands &amp; sleep.</p></body></html>',
      );
      return;
    }
    searches.push({ path: request.url ?? '', apiKey: request.headers['x-api-key'] as string | undefined, body });
    response.writeHead(200, { 'content-type': 'application/json' });
    if (request.url === '/exa/search') {
      response.end(
        JSON.stringify({ results: [{ url: 'https://example.com/otters', title: 'All about otters', text: 'Otters are mustelids.' }] }),
      );
    } else {
      response.end(
        JSON.stringify({ results: [{ url: 'https://searx.example/otters', title: 'Otters (SearXNG)', content: 'Found by SearXNG.' }] }),
      );
    }
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  exa = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1', EXA_API_KEY: 'exa-test-key', EXA_BASE_URL: `${webUrl}/exa` });
  searx = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1', FLOWRUN_SEARXNG_URL: `${webUrl}/searx` });
});
after(async () => {
  await exa.close();
  await searx.close();
  await new Promise((resolve) => web.close(resolve));
});

const agent = (toolIds: string[], model = 'gpt-4o') => ({
  agent: { name: 'Researcher', model, tools: { toolIds } },
  messages: [{ role: 'user', content: 'tell me about otters' }],
});

test('web search (Exa), image generation and page reading: offered, run, streamed as source and media', async () => {
  exa.fake.script((request) => {
    if (request.path.endsWith('/images/generations')) return { text: '' };
    if (toolResultsIn(request).length === 0) {
      return {
        toolCalls: [
          { id: 'c_search', name: 'web_search', arguments: '{"query":"otters"}' },
          { id: 'c_image', name: 'generate_image', arguments: '{"prompt":"an otter"}' },
          { id: 'c_page', name: 'fetch_page', arguments: JSON.stringify({ url: `${webUrl}/otters.html` }) },
        ],
      };
    }
    return {
      text: `done: ${toolResultsIn(request)
        .map((result) => result.content)
        .join(' | ')}`,
    };
  });
  const offered = () =>
    (exa.fake.requests[0]!.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name).sort();
  const unified = await readSse(
    await exa.dispatch(agent(['builtin:exa', 'builtin:dalle', 'builtin:fetch_url']), { query: 'events=unified' }),
  );
  assert.deepEqual(offered(), ['fetch_page', 'generate_image', 'web_search']);
  assert.equal(searches.at(-1)!.apiKey, 'exa-test-key');
  assert.equal(JSON.parse(searches.at(-1)!.body).query, 'otters');
  const sources = unified.filter((event) => event.event === 'source').map((event) => event.data.url);
  assert.deepEqual(sources, ['https://example.com/otters', `${webUrl}/otters.html`]);
  const media = unified.find((event) => event.event === 'media_complete')!;
  assert.deepEqual([media.data.data, media.data.mediaType, media.data.toolCallId], [onePixelPng, 'image/png', 'c_image']);
  const answer = String(unified.at(-1)!.data.finalOutput ?? '');
  assert.match(answer, /Otters hold hands & sleep\./, 'the page as text');
  assert.doesNotMatch(answer, /alert|<p>/, 'no script, no tags');
  assert.ok(!answer.includes(onePixelPng), 'the model is told about the image, not sent its bytes');
  const image = exa.fake.requests.find((request) => request.path.endsWith('/images/generations'))!;
  assert.equal(image.body.prompt, 'an otter');

  // Runtype's own vocabulary: `source` and `agent_media` frames, valid against its schema.
  exa.fake.reset();
  exa.fake.script((request) =>
    toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'c_image', name: 'generate_image', arguments: '{"prompt":"an otter"}' }] }
      : { text: 'here it is' },
  );
  const runtype = await readSse(await exa.dispatch(agent(['builtin:dalle'])));
  const frame = runtype.find((event) => event.event === 'agent_media')!;
  assert.deepEqual(frame.data.media, [{ type: 'media', data: onePixelPng, mediaType: 'image/png' }]);
  for (const event of runtype) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
});

test('web search through a self-hosted SearXNG when no Exa key is set', async () => {
  searx.fake.script((request) =>
    toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'c1', name: 'web_search', arguments: '{"query":"otters"}' }] }
      : { text: `found ${toolResultsIn(request)[0]!.content}` },
  );
  const result = (await (await searx.dispatch({ ...agent(['builtin:exa']), options: { streamResponse: false } })).json()) as {
    finalOutput: string;
  };
  assert.match(searches.at(-1)!.path, /^\/searx\/search\?q=otters&format=json$/);
  assert.match(result.finalOutput, /Otters \(SearXNG\)/);
});

test('a built-in that is not configured (or unknown) is not offered; the run says which setting it lacks', async () => {
  const bare = await startHarness({ OPENAI_API_KEY: '' });
  try {
    bare.fake.script(() => ({ text: 'no tools' }));
    const events = await readSse(
      await bare.dispatch(agent(['builtin:exa', 'builtin:dalle', 'builtin:teleport'], 'claude-sonnet-4-5'), { query: 'events=unified' }),
    );
    assert.equal(events.at(-1)!.event, 'execution_complete');
    assert.equal(bare.fake.requests[0]!.body.tools, undefined, 'nothing offered');
    // Runtype's vocabularies have no warning frame: warnings ride on the next frame, in its `warnings`.
    const warnings = events
      .flatMap((event) => (event.data.warnings ?? []) as Array<{ code: string; setting?: string }>)
      .map((warning) => [warning.code, warning.setting]);
    assert.deepEqual(warnings, [
      ['BUILTIN_NOT_CONFIGURED', 'EXA_API_KEY or FLOWRUN_SEARXNG_URL'],
      ['BUILTIN_NOT_CONFIGURED', 'OPENAI_API_KEY'],
      ['BUILTIN_UNKNOWN', undefined],
    ]);
    const stored = (await (
      await fetch(`${bare.baseUrl}/v1/executions/${events[0]!.data.executionId}`, { headers: { authorization: `Bearer ${bare.key}` } })
    ).json()) as { warnings: Array<{ setting?: string }> };
    assert.deepEqual(
      stored.warnings.map((warning) => warning.setting),
      ['EXA_API_KEY or FLOWRUN_SEARXNG_URL', 'OPENAI_API_KEY', undefined],
    );
  } finally {
    await bare.close();
  }
});
