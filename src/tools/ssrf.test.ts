import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAddressPolicy } from './address-policy.js';
import { guardedFetch, OutboundRequestError } from './guarded-http.js';

let server: Server;
let port: number;
before(async () => {
  server = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://x').searchParams.get('to');
    if (target) {
      response.writeHead(302, { location: target });
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('reached');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise((resolve) => server.close(resolve)));

const policy = createAddressPolicy(['127.0.0.1']);
const strict = createAddressPolicy([]);
const get = (url: string, policyToUse = policy) =>
  guardedFetch({ url, method: 'GET', headers: {}, timeoutMs: 2000, maxBytes: 1024, maxRedirects: 5 }, policyToUse);

const attempts = [
  'http://169.254.169.254/latest/meta-data/',
  'http://2852039166/', // 169.254.169.254 in decimal
  'http://0xa9fea9fe/', // in hex
  'http://0251.0376.0251.0376/', // in octal
  'http://127.0.0.2/', // loopback outside the allowlist
  'http://2130706434/', // 127.0.0.2 in decimal
  'http://127.1.2.3/',
  'http://0/',
  'http://0.0.0.0/',
  'http://[::1]/',
  'http://[::]/',
  'http://[::ffff:169.254.169.254]/', // IPv4-mapped IPv6
  'http://[::ffff:a9fe:a9fe]/',
  'http://[64:ff9b::a9fe:a9fe]/', // NAT64
  'http://[2002:a9fe:a9fe::1]/', // 6to4
  'http://[fd00:ec2::254]/', // AWS IPv6 metadata
  'http://[fe80::1]/',
  'http://10.0.0.1/',
  'http://172.16.5.4/',
  'http://192.168.1.1/',
  'http://100.64.0.1/', // carrier-grade NAT
  'http://224.0.0.1/',
  'http://localhost:9/', // a DNS name that resolves to loopback
  'ftp://127.0.0.1/',
];

test(`refuses ${attempts.length} SSRF attempts before connecting`, async () => {
  for (const url of attempts) {
    await assert.rejects(get(url, strict), (error: unknown) => error instanceof OutboundRequestError && error.code === 'SSRF_BLOCKED', url);
  }
  // A name is checked by what it resolves to, at connect time.
  await assert.rejects(get(`http://localhost:${port}/`, strict), /resolves to 127\.0\.0\.1 is a loopback address|resolves to ::1/);
});

test('refuses redirects to metadata and private addresses, checking every hop', async () => {
  for (const target of [
    'http://169.254.169.254/',
    'http://[::ffff:10.0.0.1]/',
    'http://127.0.0.5/',
    `http://127.0.0.1:${port}/?to=${encodeURIComponent('http://192.168.0.1/')}`,
  ]) {
    await assert.rejects(
      get(`http://127.0.0.1:${port}/?to=${encodeURIComponent(target)}`),
      (error: unknown) => error instanceof OutboundRequestError && error.code === 'SSRF_BLOCKED',
      target,
    );
  }
  const allowed = await get(`http://127.0.0.1:${port}/?to=${encodeURIComponent(`http://127.0.0.1:${port}/final`)}`);
  assert.equal(allowed.body, 'reached', 'an allowlisted address is reachable, through redirects too');
});

test('the allowlist takes addresses and CIDR ranges and refuses anything else', () => {
  const wide = createAddressPolicy(['10.1.0.0/16', '::1']);
  assert.equal(wide.check('10.1.2.3'), null);
  assert.match(wide.check('10.2.0.1') ?? '', /private/);
  assert.equal(wide.check('::1'), null);
  assert.equal(wide.check('93.184.216.34'), null, 'public addresses are allowed');
  assert.throws(() => createAddressPolicy(['not-an-ip']), /FLOWRUN_SSRF_ALLOWLIST/);
});
