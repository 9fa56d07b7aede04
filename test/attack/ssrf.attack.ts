import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAddressPolicy } from '../../src/tools/address-policy.js';
import { guardedFetch } from '../../src/tools/guarded-http.js';

// Spellings of loopback are sent for real (to a listener on 127.0.0.1 that must never see a request); every
// other refused range is only checked by the policy, never connected to.
let hits = 0;
let server: Server;
let port: number;
before(async () => {
  server = createServer((_request, response) => {
    hits++;
    response.end('reached');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise((resolve) => server.close(resolve)));

const strict = createAddressPolicy([]);

function ipv4Spellings(a: number, b: number, c: number, d: number): string[] {
  const value = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const hex = (n: number) => `0x${n.toString(16)}`;
  const oct = (n: number) => `0${n.toString(8)}`;
  return [
    `${a}.${b}.${c}.${d}`,
    String(value),
    hex(value),
    `0x${value.toString(16).padStart(8, '0')}`,
    oct(value),
    `${hex(a)}.${hex(b)}.${hex(c)}.${hex(d)}`,
    `${oct(a)}.${oct(b)}.${oct(c)}.${oct(d)}`,
    `${a}.${(b << 16) + (c << 8) + d}`,
    `${a}.${b}.${(c << 8) + d}`,
    `${hex(a)}.${b}.${oct(c)}.${d}`,
    `${a}.${b}.${c}.${d}.`,
    `[::ffff:${a}.${b}.${c}.${d}]`,
    `[::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}]`,
    `[::${a}.${b}.${c}.${d}]`,
    `[64:ff9b::${a}.${b}.${c}.${d}]`,
    `[2002:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}::1]`,
    `[0:0:0:0:0:ffff:${a}.${b}.${c}.${d}]`,
  ];
}

const loopbackHosts = [
  ...ipv4Spellings(127, 0, 0, 1),
  ...ipv4Spellings(127, 1, 2, 3),
  ...ipv4Spellings(127, 255, 255, 254),
  ...ipv4Spellings(0, 0, 0, 0),
  '127.1',
  '127.0.1',
  '0',
  '0x0',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[::]',
  '[0000::1]',
  '[::1%25lo]',
  'localhost',
  'LOCALHOST',
  'localhost.',
  'LocalHost',
];

function ipv6Words(text: string): number[] | null {
  let address = text.split('%')[0]!;
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
    address = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = address.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((word) => parseInt(word, 16)) : []);
  const start = parse(head);
  const end = parse(tail);
  const words = [...start, ...(address.includes('::') ? new Array(8 - start.length - end.length).fill(0) : []), ...end];
  return words.length === 8 && words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff) ? words : null;
}

/** Whether the URL parser's host is loopback (or "this host"), in any IPv4 or IPv6 form. */
function isLoopback(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost') return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) return v4[1] === '127' || host === '0.0.0.0';
  const words = ipv6Words(host);
  if (!words) return false;
  const embedded = (high: number, low: number) => high >> 8 === 127 || (high === 0 && low === 0);
  if (words.slice(0, 7).every((word) => word === 0)) return words[7]! <= 1;
  if (words.slice(0, 5).every((word) => word === 0) && (words[5] === 0 || words[5] === 0xffff)) return embedded(words[6]!, words[7]!);
  if (words[0] === 0x64 && words[1] === 0xff9b) return embedded(words[6]!, words[7]!);
  if (words[0] === 0x2002) return embedded(words[1]!, words[2]!);
  return false;
}

const urlShapes = (host: string): string[] => [
  `http://${host}:${port}/`,
  `http://user:pass@${host}:${port}/`,
  `http://evil.example@${host}:${port}/`,
  `HTTP://${host}:${port}/x?y=1#z`,
  `http://${host}:${port}/%2e%2e/`,
  `http://${host}:${port}\\@evil.example/`,
];

test('every spelling of loopback is refused before a connection is made', async () => {
  let refused = 0;
  let attempts = 0;
  for (const host of loopbackHosts) {
    for (const url of urlShapes(host)) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        continue; // not a URL at all: nothing could be fetched
      }
      // Only what the URL parser itself reads as loopback is ever sent: a mistaken spelling must not become
      // a request to some other address.
      if (!isLoopback(parsed.hostname)) throw new Error(`${url} is not a loopback spelling (${parsed.hostname}); fix the corpus`);
      attempts++;
      await assert.rejects(
        guardedFetch({ url: parsed.toString(), method: 'GET', headers: {}, timeoutMs: 2000, maxBytes: 1024, maxRedirects: 0 }, strict),
        (error: unknown) => {
          refused++;
          return /SSRF|refused|resolve|ENOTFOUND|EAI_AGAIN|Invalid/i.test(String((error as Error).message ?? error));
        },
        url,
      );
    }
  }
  assert.equal(hits, 0, 'no request reached the loopback listener');
  console.log(`# attack ssrf: ${attempts} loopback URLs sent, ${refused} refused, ${hits} reached the listener`);
});

test('redirects to loopback spellings are refused at every hop', async () => {
  const redirector = createServer((request, response) => {
    const to = new URL(request.url ?? '/', 'http://x').searchParams.get('to')!;
    response.writeHead(302, { location: to }).end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.2', resolve));
  const allowOnlyRedirector = createAddressPolicy(['127.0.0.2']);
  const redirectorPort = (redirector.address() as AddressInfo).port;
  let count = 0;
  try {
    for (const host of loopbackHosts.slice(0, 40)) {
      const target = `http://${host}:${port}/`;
      try {
        if (!isLoopback(new URL(target).hostname)) throw new Error(`${target} is not a loopback spelling; fix the corpus`);
      } catch (error) {
        if (String(error).includes('fix the corpus')) throw error;
        continue;
      }
      count++;
      await assert.rejects(
        guardedFetch(
          {
            url: `http://127.0.0.2:${redirectorPort}/?to=${encodeURIComponent(target)}`,
            method: 'GET',
            headers: {},
            timeoutMs: 2000,
            maxBytes: 1024,
            maxRedirects: 3,
          },
          allowOnlyRedirector,
        ),
      );
    }
  } finally {
    await new Promise((resolve) => redirector.close(resolve));
  }
  assert.equal(hits, 0);
  console.log(`# attack ssrf: ${count} redirects to loopback refused`);
});

test('the policy refuses every spelling of every refused range (checked, never connected)', () => {
  const refusedV4: Array<[number, number, number, number]> = [
    [10, 0, 0, 1],
    [10, 255, 255, 255],
    [172, 16, 0, 1],
    [172, 31, 255, 254],
    [192, 168, 0, 1],
    [169, 254, 169, 254],
    [100, 64, 0, 1],
    [100, 127, 255, 254],
    [0, 1, 2, 3],
    [224, 0, 0, 1],
    [239, 255, 255, 250],
    [240, 0, 0, 1],
    [255, 255, 255, 255],
    [198, 18, 0, 1],
    [192, 0, 2, 1],
    [198, 51, 100, 1],
    [203, 0, 113, 1],
    [192, 0, 0, 8],
  ];
  let checked = 0;
  for (const [a, b, c, d] of refusedV4) {
    for (const spelling of ipv4Spellings(a, b, c, d)) {
      let host: string;
      try {
        host = new URL(`http://${spelling}/`).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
      } catch {
        continue;
      }
      checked++;
      assert.ok(strict.check(host), `${spelling} (${host}) is refused`);
    }
  }
  for (const address of [
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    'fec0::1',
    '2001:db8::1',
    '100::1',
    '2001::1',
    '64:ff9b:1::a00:1',
    '::ffff:a00:1',
    '::a00:1',
    '2002:a00:1::1',
    '64:ff9b::a9fe:a9fe',
  ]) {
    checked++;
    assert.ok(strict.check(address), `${address} is refused`);
  }
  console.log(`# attack ssrf: ${checked} spellings of refused ranges checked, all refused`);
});
