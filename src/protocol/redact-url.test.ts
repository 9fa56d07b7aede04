import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, redactUrlsIn } from './redact-url.js';

test('a URL loses its userinfo, query values and fragment, and keeps where it points', () => {
  assert.equal(redactUrl('http://user:pass@127.0.0.1:8080/mcp?token=abc'), 'http://127.0.0.1:8080/mcp?token=redacted');
  assert.equal(
    redactUrl('https://api.example.com/v1/x?key=k1&sig=s2&flag&page=3#access_token=t'),
    'https://api.example.com/v1/x?key=redacted&sig=redacted&redacted&page=redacted#redacted',
  );
  assert.equal(redactUrl(new URL('https://only-user@example.com/')), 'https://example.com/');
  assert.equal(redactUrl('https://example.com/plain/path'), 'https://example.com/plain/path');
  assert.equal(redactUrl('https://example.com/?sk-live-123'), 'https://example.com/?redacted');
});

test('text the URL parser refuses is redacted the same way', () => {
  assert.equal(redactUrl('http://admin:hunter2@{{host}}/x?token=abc#frag'), 'http://{{host}}/x?token=redacted#redacted');
  assert.equal(redactUrl('not a url ?password=p'), 'not a url ?password=redacted');
});

test('every URL inside a message is redacted; the words and punctuation around it stay', () => {
  const message =
    'Request cannot be constructed from a URL that includes credentials: http://user:pass@127.0.0.1:9/mcp?token=abc. ' +
    'Also (see https://x.example/cb?code=xyz), and http:\\\\u:p@h.example/?k=v';
  const redacted = redactUrlsIn(message);
  for (const secret of ['pass', 'abc', 'xyz', 'u:p', 'k=v']) assert.ok(!redacted.includes(secret), `${secret} in ${redacted}`);
  assert.match(
    redacted,
    /credentials: http:\/\/127\.0\.0\.1:9\/mcp\?token=redacted\. Also \(see https:\/\/x\.example\/cb\?code=redacted\),/,
  );
  assert.equal(redactUrlsIn('no URL here: just words.'), 'no URL here: just words.');
});

test('long hostile text is redacted in linear time (no backtracking blow-up)', () => {
  const hostile = `${'a.'.repeat(200_000)} http://${'.'.repeat(200_000)}x ${'?'.repeat(100_000)}`;
  // Completes at all: a quadratic pattern would not finish within the test's time limit.
  assert.ok(redactUrlsIn(hostile).length > 0);
});
