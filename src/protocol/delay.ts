/**
 * Waits `ms`, or until `signal` aborts (then resolves at once): the one abortable sleep. The abort listener is
 * removed when the timer fires, so a long-lived signal does not collect one listener per wait.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
