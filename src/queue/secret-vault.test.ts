import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSecretVault, parseSecretKeys } from './secret-vault.js';

test('secrets are sealed with AES-256-GCM, opened with the current or an older key, and tampering is refused', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const old = createSecretVault([oldKey]);
  const sealed = old.seal({ token: 'sk-live-123' })!;
  assert.ok(!sealed.includes('sk-live-123'));
  const rotated = createSecretVault([newKey, oldKey]);
  assert.deepEqual(rotated.open(sealed), { token: 'sk-live-123' }, 'a value sealed with the old key opens after rotation');
  assert.notEqual(rotated.seal({ token: 'x' })!.split('.')[1], sealed.split('.')[1], 'new seals use the new key');
  const parts = sealed.split('.');
  const tampered = [...parts.slice(0, 4), Buffer.from('{"token":"evil"}').toString('base64')].join('.');
  assert.throws(() => rotated.open(tampered));
  assert.throws(() => createSecretVault([randomBytes(32)]).open(sealed), /cannot be opened/);
  assert.equal(createSecretVault([]).seal({ token: 'x' }), null, 'without a key nothing is stored');
  assert.equal(old.seal({}), null);
});

test('FLOWRUN_SECRET_KEY takes base64 or hex 32-byte keys, comma-separated, and refuses others', () => {
  const key = randomBytes(32);
  assert.equal(parseSecretKeys(`${key.toString('base64')}, ${key.toString('hex')}`).length, 2);
  assert.deepEqual(parseSecretKeys(undefined), []);
  assert.throws(() => parseSecretKeys('short'), /not 32 bytes/);
});
