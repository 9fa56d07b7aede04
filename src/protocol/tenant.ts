export type KeyMode = 'test' | 'live';

/** Whose data a request may see: one tenant, one mode. Test keys never see live data. */
export interface TenantScope {
  tenantId: string;
  mode: KeyMode;
  /** Set on requests made with an API key: the key, and how many of its runs may be queued or running at once (0: no limit). */
  keyId?: string;
  maxRunsInFlight?: number;
}
