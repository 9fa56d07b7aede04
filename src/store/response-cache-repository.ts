import type { Database } from './database.js';

/** Stored run responses by request hash (the key includes the tenant); expired entries are ignored and pruned. */
export async function getCachedResponse(db: Database, key: string, now: number): Promise<unknown | null> {
  const row = await db.selectFrom('response_cache').select(['response', 'expires_at']).where('key', '=', key).executeTakeFirst();
  if (!row || row.expires_at <= now) return null;
  return JSON.parse(row.response);
}

export async function putCachedResponse(db: Database, key: string, response: unknown, expiresAt: number): Promise<void> {
  await db
    .insertInto('response_cache')
    .values({ key, response: JSON.stringify(response), expires_at: expiresAt })
    .onConflict((conflict) => conflict.column('key').doUpdateSet({ response: JSON.stringify(response), expires_at: expiresAt }))
    .execute();
  if (Math.random() < 0.01) await db.deleteFrom('response_cache').where('expires_at', '<=', Date.now()).execute();
}
