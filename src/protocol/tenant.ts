export type KeyMode = 'test' | 'live';

/** Whose data a request may see: one tenant, one mode. Test keys never see live data. */
export interface TenantScope {
  tenantId: string;
  mode: KeyMode;
  /** Set on requests made with an API key: the key, and how many of its runs may be queued or running at once (0: no limit). */
  keyId?: string;
  maxRunsInFlight?: number;
  /** How many root runs of this tenant and mode may be queued or running at once, all keys together (0: no limit). */
  tenantMaxRunsInFlight?: number;
}
