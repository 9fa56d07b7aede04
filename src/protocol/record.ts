export interface RecordData {
  /** null for a virtual record, which is never stored. */
  id: string | null;
  name: string;
  type: string;
  metadata: Record<string, unknown>;
  created: boolean;
  /** When a stored record was made and last changed (ISO 8601); a virtual record has neither. */
  createdAt?: string;
  updatedAt?: string;
}
