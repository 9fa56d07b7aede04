import { createFlowrunClient, FlowrunApiError, type FlowrunClient } from '@flowrun/client';

/** Where the key is kept: this tab's session storage (gone when the tab closes), never a URL or a cookie. */
const storageKey = 'flowrun.apiKey';

export interface Session {
  client: FlowrunClient;
  tenantId: string;
  mode: 'test' | 'live';
  /** The key's first characters, as the keys list shows them. */
  keyPrefix: string;
}

function clientFor(apiKey: string): FlowrunClient {
  return createFlowrunClient({ baseUrl: window.location.origin, apiKey, maxRetries: 1 });
}

/** Checks a key against the server (its tenant and mode come back) and keeps it for this tab. */
export async function signIn(apiKey: string): Promise<Session> {
  const key = apiKey.trim();
  if (key === '') throw new Error('Paste an API key (tv_test_… or tv_live_…).');
  const client = clientFor(key);
  const whoami = await client.credits.balance();
  sessionStorage.setItem(storageKey, key);
  return { client, tenantId: whoami.tenantId, mode: whoami.mode, keyPrefix: `${key.slice(0, 12)}…` };
}

/** The session kept by this tab, checked again (a revoked key signs out). */
export async function restoreSession(): Promise<Session | null> {
  const key = sessionStorage.getItem(storageKey);
  if (!key) return null;
  try {
    return await signIn(key);
  } catch (error) {
    if (error instanceof FlowrunApiError && error.status === 401) sessionStorage.removeItem(storageKey);
    throw error;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(storageKey);
}

/** A readable sentence for any error a call can end with. */
export function describeError(error: unknown): string {
  if (error instanceof FlowrunApiError) {
    const detail = error.details?.[0] as { path?: string; message?: string } | undefined;
    const where = detail?.path ? ` (${detail.path})` : '';
    return `${error.message}${where} [${error.code ?? error.status}]`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
