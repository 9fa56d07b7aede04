import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startHarness, type Harness } from './support/harness.js';

const adminToken = 'operator-token-0123456789';
let withAdmin: Harness;
let withoutAdmin: Harness;
before(async () => {
  withAdmin = await startHarness({ FLOWRUN_ADMIN_TOKEN: adminToken });
  withoutAdmin = await startHarness();
});
after(async () => {
  await withAdmin.close();
  await withoutAdmin.close();
});

/** Sends a request with the target exactly as given (no URL normalisation by a client library). */
function rawRequest(
  baseUrl: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: hostname,
        port,
        method,
        path: target,
        headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (part: string) => (text += part));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    if (body) outgoing.write(body);
    outgoing.end();
  });
}

/** Every spelling of a path that a router or proxy might decode to the same route. */
function spellings(path: string, baseUrl: string): string[] {
  const segments = path.split('/').filter(Boolean);
  const first = segments[0] ?? '';
  const encodedFirst = `%${first.charCodeAt(0).toString(16)}${first.slice(1)}`;
  const rest = segments.slice(1).join('/');
  const tail = rest ? `/${rest}` : '';
  const host = new URL(baseUrl).host;
  return [
    path,
    `/${encodedFirst}${tail}`,
    `/${[...first].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`).join('')}${tail}`,
    `/${first}${rest ? `%2F${rest}` : ''}`,
    `/${first}${rest ? `%2f${rest}` : ''}`,
    `//${first}${tail}`,
    `/${first}//${rest}`,
    `/./${first}${tail}`,
    `/x/../${first}${tail}`,
    `/${first}/./${rest}`,
    `/%2e/${first}${tail}`,
    `/x/%2e%2e/${first}${tail}`,
    `/${first.toUpperCase()}${tail}`,
    `/${first[0]!.toUpperCase()}${first.slice(1)}${tail.toUpperCase()}`,
    `${path}/`,
    `${path}?x=1`,
    `${path}#frag`,
    `${path};x`,
    `http://${host}${path}`,
    `http://${host}/${encodedFirst}${tail}`,
    `http://evil.example${path}`,
    `HTTP://${host}${path}`,
  ];
}

const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, 'x').replace(/\*/g, 'x');

test('admin routes answer only the operator token, whatever the spelling of the target', async () => {
  const tenantKey = withAdmin.key;
  const adminRoutes = withAdmin.routes.filter((route) => route.access === 'admin');
  assert.ok(adminRoutes.length > 0, 'the admin plugin registers its routes when the token is set');
  const body = JSON.stringify({ tenantId: 'default', mode: 'test', amount: 1_000_000 });
  let tried = 0;
  for (const route of adminRoutes) {
    for (const target of spellings(concrete(route.url), withAdmin.baseUrl)) {
      for (const headers of <Array<Record<string, string>>>[
        { authorization: `Bearer ${tenantKey}` },
        { authorization: tenantKey },
        {},
        { authorization: 'Bearer wrong-token' },
        { authorization: `Bearer ${adminToken}x` },
      ]) {
        const response = await rawRequest(withAdmin.baseUrl, route.method, target, headers, body);
        tried++;
        assert.ok(
          response.status >= 400 && response.status !== 500,
          `${route.method} ${target} with ${JSON.stringify(headers)} answered ${response.status}: ${response.text}`,
        );
      }
    }
  }
  // The canonical request with the operator token works.
  const allowed = await rawRequest(withAdmin.baseUrl, 'POST', '/admin/credits', { authorization: `Bearer ${adminToken}` }, body);
  assert.equal(allowed.status, 200, allowed.text);
  assert.ok(tried > 100);
});

test('with FLOWRUN_ADMIN_TOKEN unset no admin route exists: every spelling is refused, with any key', async () => {
  assert.equal(withoutAdmin.routes.filter((route) => route.access === 'admin').length, 0);
  const body = JSON.stringify({ tenantId: 'default', mode: 'test', amount: 1_000_000 });
  for (const target of spellings('/admin/credits', withoutAdmin.baseUrl)) {
    for (const headers of <Array<Record<string, string>>>[
      { authorization: `Bearer ${withoutAdmin.key}` },
      {},
      { authorization: 'Bearer ' },
    ]) {
      const response = await rawRequest(withoutAdmin.baseUrl, 'POST', target, headers, body);
      assert.ok([400, 401, 404].includes(response.status), `POST ${target} answered ${response.status}: ${response.text}`);
    }
  }
  const balance = (await (
    await fetch(`${withoutAdmin.baseUrl}/api/v1/credits`, { headers: { authorization: `Bearer ${withoutAdmin.key}` } })
  ).json()) as { creditsLeft: number };
  assert.ok(balance.creditsLeft <= 1_000_000_000, `no spelling credited the tenant (balance ${balance.creditsLeft})`);
});

test('every tenant route refuses requests without a key, or with the operator token, under every spelling', async () => {
  const tenantRoutes = withAdmin.routes.filter((route) => route.access === 'tenant');
  assert.ok(tenantRoutes.length > 30);
  let tried = 0;
  for (const route of tenantRoutes) {
    for (const target of spellings(concrete(route.url), withAdmin.baseUrl)) {
      for (const headers of <Array<Record<string, string>>>[{}, { authorization: `Bearer ${adminToken}` }]) {
        const response = await rawRequest(
          withAdmin.baseUrl,
          route.method,
          target,
          headers,
          route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
        );
        tried++;
        assert.ok(
          [400, 401, 404].includes(response.status),
          `${route.method} ${target} with ${JSON.stringify(headers)} answered ${response.status}: ${response.text.slice(0, 200)}`,
        );
      }
    }
  }
  assert.ok(tried > 1000);
});

test("only /health, /ready, /metrics (its own token when set), the dashboard's page and assets, signed asset URLs and the API description are public", async () => {
  const open = withAdmin.routes
    .filter((route) => route.access === 'public')
    .map((route) => `${route.method} ${route.url}`)
    .sort();
  // Written out, not read from the code: a page made public by mistake has to show up here.
  const dashboardPages = ['/playground', '/flows', '/runs', '/tools', '/agents', '/approvals', '/keys', '/secrets', '/usage'].flatMap(
    (section) => [`GET ${section}`, `GET ${section}/*`],
  );
  assert.deepEqual(
    open,
    [
      'GET /',
      'GET /assets/*',
      'GET /docs',
      'GET /docs/json',
      'GET /docs/static/*',
      'GET /docs/static/index.html',
      'GET /docs/static/swagger-initializer.js',
      'GET /docs/yaml',
      'GET /health',
      'GET /metrics',
      'GET /openapi.json',
      'GET /ready',
      // A public asset's signed URL: the signature over its id and expiry is the permission.
      'GET /v1/assets/:id/public',
      ...dashboardPages,
    ].sort(),
  );
});
