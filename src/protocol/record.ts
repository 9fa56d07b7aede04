export interface RecordData {
  /** null for a virtual record, which is never stored. */
  id: string | null;
  name: string;
  type: string;
  metadata: Record<string, unknown>;
  created: boolean;
}
