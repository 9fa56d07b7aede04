import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets of a run, kept encrypted on its row while the run may still need them (so a run recovered after a
 * crash, or resumed after a restart, has them), and deleted when it ends. AES-256-GCM with a random 12-byte IV
 * per seal; the sealed text names the key it was sealed with (the first 8 hex characters of its SHA-256), so
 * keys can be rotated: `FLOWRUN_SECRET_KEY=new,old` seals with `new` and opens with either. Without a key nothing
 * is stored and secrets live in memory only.
 */
export interface SecretVault {
  /** Whether secrets are stored at all (a key is configured). */
  readonly enabled: boolean;
  /** The sealed form of `secrets`, or null when there is nothing to store (no key, no secrets). */
  seal(secrets: Record<string, string>): string | null;
  /** The secrets back; {} for null. Throws when no configured key opened it or it was tampered with. */
  open(sealed: string | null): Record<string, string>;
}

const version = 'v1';

/** Reads `FLOWRUN_SECRET_KEY`: comma-separated keys, each 32 bytes as base64 or 64 hex characters. */
export function parseSecretKeys(value: string | undefined): Buffer[] {
  if (!value) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const key = /^[0-9a-fA-F]{64}$/.test(entry) ? Buffer.from(entry, 'hex') : Buffer.from(entry, 'base64');
      if (key.length !== 32) throw new Error(`FLOWRUN_SECRET_KEY: key ${index + 1} is not 32 bytes (base64, or 64 hex characters)`);
      return key;
    });
}

const keyIdOf = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

export function createSecretVault(keys: Buffer[]): SecretVault {
  const byId = new Map(keys.map((key) => [keyIdOf(key), key]));
  const current = keys[0];
  return {
    enabled: current !== undefined,
    seal(secrets) {
      if (!current || Object.keys(secrets).length === 0) return null;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
      return [version, keyIdOf(current), iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
    },
    open(sealed) {
      if (!sealed) return {};
      const [tag, keyId, iv, auth, body] = sealed.split('.');
      const key = keyId ? byId.get(keyId) : undefined;
      if (tag !== version || !key || !iv || !auth || body === undefined)
        throw new Error('the stored secrets cannot be opened with the configured FLOWRUN_SECRET_KEY');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(auth, 'base64'));
      const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(text) as Record<string, string>;
    },
  };
}
