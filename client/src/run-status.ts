/**
 * How a run ended, as a person reads it: its `status`, except that a run stopped by an approver's decision reads
 * as that decision (`denied`, `timeout`) rather than `failed`. The wire keeps Runtype's status (`failed`, with the
 * error code `APPROVAL_DENIED` or `APPROVAL_TIMEOUT`); this is for display only.
 */
export function shownStatus(run: { status: string; error?: { code?: string } | null }): string {
  if (run.status !== 'failed') return run.status;
  return decided[run.error?.code ?? ''] ?? run.status;
}

const decided: Record<string, string> = { APPROVAL_DENIED: 'denied', APPROVAL_TIMEOUT: 'timeout' };
