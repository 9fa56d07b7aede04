/** How long to wait before retry `attempt` (1-based): the provider's Retry-After if given, else exponential backoff with jitter. */
export function retryDelayMs(attempt: number, headers: Record<string, string> | undefined, maxDelayMs: number, now: number): number {
  const retryAfterMs = headers?.['retry-after-ms'];
  if (retryAfterMs !== undefined && Number.isFinite(Number(retryAfterMs))) return clamp(Number(retryAfterMs), maxDelayMs);
  const retryAfter = headers?.['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return clamp(seconds * 1000, maxDelayMs);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return clamp(date - now, maxDelayMs);
  }
  const base = 250 * 2 ** (attempt - 1);
  return clamp(base + Math.random() * base * 0.5, maxDelayMs);
}

function clamp(value: number, maxDelayMs: number): number {
  return Math.max(0, Math.min(value, maxDelayMs));
}
