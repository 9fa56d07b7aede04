import { setTimeout as sleep } from 'node:timers/promises';

/** What a condition gives when it holds: its value, without the falsy ones it gives while it does not. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

/**
 * Waits until `condition` holds, checking every `everyMs`; fails naming `what` when it has not held within
 * `limitMs`. The limit is a safety net for a hung test, never a measurement: it is generous (30 s) so that a busy
 * machine only makes a test slower, not failed. `what` may be a function, read only at the failure, so the message
 * can say what was last seen; an error the condition throws ends the wait at once.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  what: string | (() => string),
  { limitMs = 30_000, everyMs = 20 }: { limitMs?: number; everyMs?: number } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`${typeof what === 'function' ? what() : what}: not so within ${limitMs} ms`);
    await sleep(everyMs);
  }
}
