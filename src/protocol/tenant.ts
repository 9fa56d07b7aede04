export type KeyMode = 'test' | 'live';

/** Whose data a request may see: one tenant, one mode. Test keys never see live data. */
export interface TenantScope {
  tenantId: string;
  mode: KeyMode;
}
