import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed URLs of public assets: an HMAC-SHA256, under the server's key, of the asset's id and the URL's expiry
 * (epoch seconds). Whoever holds the URL may fetch the asset until then; nothing else about it can be guessed.
 */
export interface AssetUrlSigner {
  /** The `exp` and `sig` query parameters of the asset's public URL. */
  sign(id: string, expiresAtSeconds: number): string;
  /** Whether `signature` is the one `sign` makes (compared in constant time); the caller checks the expiry. */
  verify(id: string, expiresAtSeconds: number, signature: string): boolean;
}

export function createAssetUrlSigner(key: Uint8Array): AssetUrlSigner {
  const sign = (id: string, expiresAtSeconds: number) =>
    createHmac('sha256', key).update(`asset:${id}:${expiresAtSeconds}`).digest('base64url');
  return {
    sign,
    verify(id, expiresAtSeconds, signature) {
      const expected = Buffer.from(sign(id, expiresAtSeconds));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
