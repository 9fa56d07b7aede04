import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `condition` holds, checking every `everyMs`; fails naming `what` when it has not held within
 * `limitMs`. The limit is a safety net for a hung test, never a measurement: it is generous (30 s) so that a busy
 * machine only makes a test slower, not failed.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  what: string,
  { limitMs = 30_000, everyMs = 20 }: { limitMs?: number; everyMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what}: not so within ${limitMs} ms`);
    await sleep(everyMs);
  }
}
