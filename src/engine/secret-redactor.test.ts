import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretRedactor } from './secret-redactor.js';

test('redacts a secret in its own, case-changed, percent-encoded and base64 spellings', () => {
  const redactor = createSecretRedactor(['Sk-Live/Secret 42']);
  const text = [
    'Sk-Live/Secret 42',
    'sk-live/secret 42',
    'SK-LIVE/SECRET 42',
    encodeURIComponent('Sk-Live/Secret 42'),
    'Sk-Live%2FSecret+42',
    btoa('Sk-Live/Secret 42'),
  ].join(' | ');
  const redacted = redactor.redactText(text);
  assert.doesNotMatch(redacted.toLowerCase(), /secret/);
  assert.equal(redacted.split('[REDACTED]').length - 1, 6);
});

test('walks values instead of editing JSON: a secret spelled like a JSON keyword leaves valid data', () => {
  const redactor = createSecretRedactor(['true', 'null!', '1234']);
  const value = { flag: true, note: 'it is true', nested: [null, 1234, 'x1234y'], 'key-1234': 1 };
  assert.deepEqual(redactor.redact(value), {
    flag: true,
    note: 'it is [REDACTED]',
    nested: [null, 1234, 'x[REDACTED]y'],
    'key-[REDACTED]': 1,
  });
});

test('short secrets and non-strings are left alone; overlapping matches merge', () => {
  assert.equal(createSecretRedactor(['abc', 42]).active, false);
  const redactor = createSecretRedactor(['abcabc', 'cabcx']);
  assert.equal(redactor.redactText('zabcabcxz'), 'z[REDACTED]z');
});

test('1,000 secrets in their spellings, all in one text: each occurrence is redacted and the text between them is kept', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed / 2 ** 31);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const secrets = Array.from({ length: 1_000 }, () =>
    Array.from({ length: 10 + Math.floor(random() * 7) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
  );
  const spell = [(secret: string) => secret, (secret: string) => secret.toUpperCase(), (secret: string) => btoa(secret).replace(/=+$/, '')];
  const pieces = secrets.map((secret, index) => spell[index % spell.length]!(secret));
  const text = pieces.map((piece, index) => `<${index}>${piece}`).join(' ~ ');
  const redacted = createSecretRedactor(secrets).redactText(text);
  assert.equal(redacted, pieces.map((_, index) => `<${index}>[REDACTED]`).join(' ~ '));
});
