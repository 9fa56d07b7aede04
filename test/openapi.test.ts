import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startHarness, type Harness } from './support/harness.js';
import { dashboardSections } from '../src/api/routes/dashboard.js';

// /openapi.json is generated from the zod schemas the routes validate with. These tests hold it to the routes
// (every route described, its path parameters and body), to real answers, and to Runtype's published document.

type Schema = { properties?: Record<string, unknown>; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; $ref?: string };
type Operation = {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** Routes that take no body, though their method could carry one. */
const withoutBody = new Set(['POST /v1/executions/{id}/cancel']);

let harness: Harness;
let document: Document;
before(async () => {
  harness = await startHarness({ FLOWRUN_ADMIN_TOKEN: 'openapi-admin' });
  const response = await fetch(`${harness.baseUrl}/openapi.json`);
  assert.equal(response.status, 200);
  document = (await response.json()) as Document;
});
after(async () => {
  await harness.close();
});

const isDashboardPage = (url: string) =>
  url === '/assets/*' || dashboardSections.some((section) => url === section || url === `${section}/*`);
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const isSuccess = (status: string) => /^2/.test(status);

test('every route is in /openapi.json (OpenAPI 3.1) with its path parameters, body, answers and error body', () => {
  assert.equal(document.openapi, '3.1.0');
  const problems: string[] = [];
  for (const route of harness.routes) {
    if (route.url === '/openapi.json' || route.url === '/docs' || route.url.startsWith('/docs/')) continue;
    // The dashboard's pages and assets are the browser app, not the API (only `/`, its entry, is listed).
    if (isDashboardPage(route.url)) continue;
    const path = openApiPath(route.url);
    const name = `${route.method} ${path}`;
    const operation = document.paths[path]?.[route.method.toLowerCase()];
    if (!operation) {
      problems.push(`${name}: not in /openapi.json`);
      continue;
    }
    for (const parameter of [...route.url.matchAll(/:(\w+)/g)].map((match) => match[1]!))
      if (!operation.parameters?.some((entry) => entry.in === 'path' && entry.name === parameter))
        problems.push(`${name}: path parameter ${parameter} is not described`);
    if (['POST', 'PATCH', 'PUT'].includes(route.method) && !withoutBody.has(name) && !operation.requestBody)
      problems.push(`${name}: its body is not described`);
    // A 204 is described by its status alone: it has no body.
    if (!Object.entries(operation.responses).some(([status, response]) => isSuccess(status) && (response.content || status === '204')))
      problems.push(`${name}: its answer is not described`);
    if (!operation.responses['4XX']?.content) problems.push(`${name}: its error body is not described`);
  }
  assert.deepEqual(problems, []);
});

test('real answers match the schemas /openapi.json gives them', async () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const check = async (method: string, url: string, response: Response) => {
    const route = url.includes('{') ? url : url.replace(/\?.*$/, '').replace(/\/(exec|key|tool|agent|record)_[0-9A-Z]{26}$/, '/{id}');
    const operation = document.paths[route]![method.toLowerCase()]!;
    const status = String(response.status);
    const described = operation.responses[status] ?? operation.responses[`${status[0]}XX`];
    assert.ok(described && (described.content || status === '204'), `${method} ${route} ${status} is described`);
    const text = await response.text();
    if (status === '204') {
      assert.equal(text, '', `${method} ${route}: a 204 has no body`);
      return {};
    }
    // The description of the content type answered (a run answers JSON or a stream; pages and metrics are text).
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!;
    const content = described.content![type];
    assert.ok(content, `${method} ${route} ${status}: ${type} is described`);
    const body: unknown = type === 'application/json' ? JSON.parse(text) : text;
    const schema = content.schema;
    const valid = ajv.validate(schema, body);
    assert.ok(valid, `${method} ${route} ${status}: ${ajv.errorsText()}\n${JSON.stringify(body).slice(0, 300)}`);
    return body as Record<string, unknown>;
  };
  const send = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${harness.baseUrl}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${harness.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  await check('GET', '/health', await send('GET', '/health'));
  await check('GET', '/ready', await send('GET', '/ready'));
  await check('GET', '/metrics', await send('GET', '/metrics'));
  await check('GET', '/', await send('GET', '/'));
  await check('GET', '/v1/models', await send('GET', '/v1/models'));
  const created = await check('POST', '/v1/keys', await send('POST', '/v1/keys', { name: 'described' }));
  await check('GET', '/v1/keys', await send('GET', '/v1/keys'));
  await check('DELETE', `/v1/keys/${String(created.id)}`, await send('DELETE', `/v1/keys/${String(created.id)}`));
  const flow = { name: 'described', steps: [{ type: 'prompt', name: 'P', config: { model: 'flowrun/echo', userPrompt: 'hi' } }] };
  for (const steps of [flow.steps, [{ type: 'approval', name: 'Gate', config: { message: 'ok?' } }]]) {
    const result = await check(
      'POST',
      '/v1/dispatch',
      await send('POST', '/v1/dispatch', { flow: { ...flow, steps }, options: { streamResponse: false } }),
    );
    await check('GET', `/v1/executions/${String(result.executionId)}`, await send('GET', `/v1/executions/${String(result.executionId)}`));
  }
  await check('GET', '/v1/executions', await send('GET', '/v1/executions?limit=5'));
  const last = ((await (await send('GET', '/v1/executions?limit=1')).json()) as { data: Array<{ id: string }> }).data[0]!.id;
  await check('GET', '/v1/executions/{id}/tree', await send('GET', `/v1/executions/${last}/tree`));
  await check('GET', '/v1/executions/{id}/artifacts', await send('GET', `/v1/executions/${last}/artifacts`));
  await check(
    'POST',
    '/admin/credits',
    await send('POST', '/admin/credits', { tenantId: 'default', mode: 'test', amount: 5 }, { authorization: 'Bearer openapi-admin' }),
  );
  // Flows, versions and environments, under both prefixes' shared handlers.
  const stored = await check(
    'POST',
    '/v1/flows',
    await send('POST', '/v1/flows', {
      name: 'Described flow',
      slug: 'described',
      templates: [{ name: 'main', template: 'Be kind.', userTemplate: 'Hi [[name]]', llm: 'flowrun/echo' }],
    }),
  );
  await check('GET', '/v1/flows', await send('GET', '/v1/flows'));
  await check('GET', '/v1/flows/{flowId}', await send('GET', '/v1/flows/described'));
  await check('PATCH', '/v1/flows/{flowId}', await send('PATCH', '/v1/flows/described', { description: 'patched' }));
  await check('PUT', '/v1/flows/{flowId}', await send('PUT', '/v1/flows/described', { description: 'put' }));
  await check('GET', '/v1/flows/{flowId}/versions', await send('GET', '/v1/flows/described/versions'));
  const versionId = String(stored.currentVersionId);
  await check('GET', '/v1/flows/{flowId}/versions/{versionId}', await send('GET', `/v1/flows/described/versions/${versionId}`));
  await check(
    'POST',
    '/v1/flows/{flowId}/versions/{versionId}/environments',
    await send('POST', `/v1/flows/described/versions/${versionId}/environments`, { environment: 'staging' }),
  );
  await check('GET', '/v1/flows/{flowId}/environments', await send('GET', '/v1/flows/described/environments'));
  await check('POST', '/v1/environments', await send('POST', '/v1/environments', { name: 'described' }));
  await check('GET', '/v1/environments', await send('GET', '/v1/environments'));
  await check(
    'GET',
    '/v1/environments/diff',
    await send('GET', '/v1/environments/diff?sourceEnvironment=staging&targetEnvironment=production'),
  );
  await check(
    'POST',
    '/v1/environments/promote',
    await send('POST', '/v1/environments/promote', { sourceEnvironment: 'staging', targetEnvironment: 'production' }),
  );
  await check('GET', '/v1/audit', await send('GET', '/v1/audit'));
  // PromptShuttle.
  const run = await check(
    'POST',
    '/api/v1/flows/{flowId}/runs',
    await send('POST', '/api/v1/flows/described/runs', { parameters: { name: 'Ada' } }),
  );
  await check('GET', '/api/v1/flows/{flowId}/runs/{runId}', await send('GET', `/api/v1/flows/described/runs/${String(run.id)}`));
  await check('GET', '/api/v1/flows/{flowId}/parameters', await send('GET', '/api/v1/flows/described/parameters'));
  await check('POST', '/api/v1/feedback', await send('POST', '/api/v1/feedback', { shuttleRequestId: run.id, score: 1 }));
  await check('GET', '/api/v1/runs', await send('GET', '/api/v1/runs'));
  await check('GET', '/api/v1/statistics/usage', await send('GET', '/api/v1/statistics/usage'));
  await check(
    'POST',
    '/api/v1/model-aliases',
    await send('POST', '/api/v1/model-aliases', { alias: 'described', models: ['flowrun/echo'], strategy: 'Sequential' }),
  );
  await check('GET', '/api/v1/model-aliases', await send('GET', '/api/v1/model-aliases'));
  await check('DELETE', '/api/v1/model-aliases/{alias}', await send('DELETE', '/api/v1/model-aliases/described'));
  await check('GET', '/api/v1/credits', await send('GET', '/api/v1/credits'));
  await check(
    'GET',
    '/api/v1/flows/{flowId}/runs/{runId}/agent-tree',
    await send('GET', `/api/v1/flows/described/runs/${String(run.id)}/agent-tree`),
  );
  await check('GET', '/v1/executions/{id}/events', await send('GET', `/v1/executions/${String(run.id)}/events?after=0`));
  await check('POST', '/v1/dispatch', await send('POST', '/v1/dispatch', { flow, options: { streamResponse: true } }));
  await check('DELETE', '/v1/flows/{flowId}', await send('DELETE', '/v1/flows/described'));
  // A paused run: the approvals list, then cancelled.
  const paused = (await (
    await send('POST', '/v1/dispatch', {
      flow: { name: 'gate', steps: [{ type: 'approval', name: 'Gate', config: { message: 'ok?' } }] },
      options: { streamResponse: false },
    })
  ).json()) as { executionId: string };
  await check('GET', '/v1/approvals', await send('GET', '/v1/approvals?status=pending'));
  await check('POST', '/v1/executions/{id}/cancel', await send('POST', `/v1/executions/${paused.executionId}/cancel`));
  // The stored resources Runtype has too: create, read, list, update, delete.
  const resources: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['/v1/tools', { name: 'described_tool', description: 'd', toolType: 'custom', config: { code: 'return 1;' } }, { description: 'e' }],
    ['/v1/agents', { name: 'Described', config: { model: 'flowrun/echo', systemPrompt: 'Be brief.' } }, { description: 'e' }],
    ['/v1/records', { name: 'Described', type: 'company', metadata: { tier: 'gold' } }, { metadata: { tier: 'silver' } }],
  ];
  for (const [path, body, patch] of resources) {
    const created = await check('POST', path, await send('POST', path, body));
    const one = `${path}/${String(created.id)}`;
    await check('GET', one, await send('GET', one));
    await check('GET', path, await send('GET', path));
    await check('PATCH', one, await send('PATCH', one, patch));
    await check('PUT', one, await send('PUT', one, patch));
    await check('DELETE', one, await send('DELETE', one));
  }
  await check('POST', '/v1/dispatch', await send('POST', '/v1/dispatch', { flow: { name: 'bad', steps: [{ type: 'teleport' }] } }));
  await check('GET', '/v1/executions/{id}', await send('GET', '/v1/executions/exec_00000000000000000000000000'));
});

test('/docs is a browsable API reference served from the package (no CDN)', async () => {
  const page = await fetch(`${harness.baseUrl}/docs/static/index.html`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /swagger-ui/i);
  assert.doesNotMatch(html, /(src|href)="https?:/, 'scripts and styles come from this server');
  const initializer = await (await fetch(`${harness.baseUrl}/docs/static/swagger-initializer.js`)).text();
  assert.match(initializer, /"validatorUrl":null/, 'the spec is not sent to an online validator');
});

/** A request body's top-level fields, through $ref and anyOf/oneOf/allOf. */
function fieldsOf(schema: Schema | undefined, root: Record<string, unknown>): string[] {
  if (!schema) return [];
  if (schema.$ref) {
    const target = schema.$ref
      .split('/')
      .slice(1)
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root) as Schema;
    return fieldsOf(target, root);
  }
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])].flatMap((part) => fieldsOf(part, root));
  return [...new Set([...Object.keys(schema.properties ?? {}), ...nested])].sort();
}

test("the routes that mirror Runtype's and PromptShuttle's, field by field against their documents, as docs/compatibility.md lists them", () => {
  // Runtype's published OpenAPI document, these routes only ($refs resolved), and PromptShuttle's run documentation
  // (the seed): its request table and its response example. Sources in each fixture's `source`.
  const runtype = JSON.parse(readFileSync('test/fixtures/runtype-openapi-mirrored.json', 'utf8')) as Document;
  const seed = JSON.parse(readFileSync('test/fixtures/promptshuttle-seed-run.json', 'utf8')) as {
    requestFields: string[];
    responseExample: Record<string, unknown>;
  };
  const ourRoot = document as unknown as Record<string, unknown>;
  const list = (fields: string[]) => (fields.length === 0 ? '–' : fields.map((field) => `\`${field}\``).join(', '));
  const row = (what: string, theirs: string[], ours: string[], theirsEmpty = 'the document lists no fields') =>
    theirs.length === 0
      ? `| ${what} | ${theirsEmpty} | ${list(ours)} |`
      : `| ${what} | ${list(theirs.filter((field) => !ours.includes(field)))} | ${list(ours.filter((field) => !theirs.includes(field)))} |`;
  const bodyOf = (doc: Document, path: string) => doc.paths[path]?.post?.requestBody?.content['application/json']?.schema;
  const answerOf = (doc: Document, path: string, method: string) => {
    const responses = doc.paths[path]?.[method]?.responses ?? {};
    return (responses['200'] ?? responses['201'])?.content?.['application/json']?.schema;
  };
  const bodies = [
    '/v1/dispatch',
    '/v1/dispatch/approve',
    '/v1/dispatch/continue',
    '/v1/dispatch/resume',
    '/v1/flows',
    '/v1/records',
    '/v1/tools',
    '/v1/agents',
  ].map((path) =>
    row(
      `\`POST ${path}\` body`,
      fieldsOf(bodyOf(runtype, path), runtype as unknown as Record<string, unknown>),
      fieldsOf(bodyOf(document, path), ourRoot),
    ),
  );
  const answers = (
    [
      ['post', '/v1/flows', '/v1/flows'],
      ['get', '/v1/flows/{id}', '/v1/flows/{flowId}'],
      ['post', '/v1/tools', '/v1/tools'],
      ['get', '/v1/tools/{id}', '/v1/tools/{id}'],
      ['post', '/v1/agents', '/v1/agents'],
      ['get', '/v1/agents/{id}', '/v1/agents/{id}'],
      ['post', '/v1/records', '/v1/records'],
      ['get', '/v1/records/{id}', '/v1/records/{id}'],
    ] as const
  ).map(([method, theirs, ours]) =>
    row(
      `\`${method.toUpperCase()} ${theirs}\` answer`,
      fieldsOf(answerOf(runtype, theirs, method), runtype as unknown as Record<string, unknown>),
      fieldsOf(answerOf(document, ours, method), ourRoot),
    ),
  );
  const shuttlePath = '/api/v1/flows/{flowId}/runs';
  const ourRun = answerOf(document, shuttlePath, 'post') as Schema & { properties: Record<string, Schema & { items?: Schema }> };
  const example = seed.responseExample;
  const keys = (value: unknown) => Object.keys((value ?? {}) as Record<string, unknown>).sort();
  const shuttle = [
    row(`\`POST ${shuttlePath}\` body`, [...seed.requestFields].sort(), fieldsOf(bodyOf(document, shuttlePath), ourRoot)),
    row(`\`POST ${shuttlePath}\` answer`, keys(example), fieldsOf(ourRun, ourRoot)),
    row('… its `usage`', keys(example.usage), fieldsOf(ourRun.properties.usage, ourRoot)),
    row('… each of its `responses`', keys((example.responses as unknown[])[0]), fieldsOf(ourRun.properties.responses?.items, ourRoot)),
  ];
  const table = [
    '| what | in the hosted API’s, not in Flowrun’s | in Flowrun’s, not in the hosted API’s |',
    '| --- | --- | --- |',
    ...bodies,
    ...answers,
    ...shuttle,
  ].join('\n');
  const file = 'docs/compatibility.md';
  const text = readFileSync(file, 'utf8');
  const start = '<!-- openapi-body-diff:start -->';
  const end = '<!-- openapi-body-diff:end -->';
  const current = text.slice(text.indexOf(start) + start.length, text.indexOf(end)).trim();
  if (process.env.FLOWRUN_UPDATE_DOCS === '1')
    writeFileSync(file, `${text.slice(0, text.indexOf(start) + start.length)}\n${table}\n${text.slice(text.indexOf(end))}`);
  else assert.equal(current, table, 'docs/compatibility.md lists these differences (FLOWRUN_UPDATE_DOCS=1 rewrites the table)');
});
