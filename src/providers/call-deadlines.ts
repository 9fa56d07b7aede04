import type { ModelRequest } from '../engine/ports.js';
import type { ProviderSettings } from './provider-settings.js';

/** A call's deadlines: the whole call, and the longest silence between two parts. Either aborts it. */
export function callDeadlines(request: ModelRequest, settings: ProviderSettings) {
  const controller = new AbortController();
  const state = { timedOut: false };
  const expire = (): void => {
    state.timedOut = true;
    controller.abort();
  };
  const onAbort = (): void => controller.abort();
  request.signal.addEventListener('abort', onAbort, { once: true });
  const total = setTimeout(expire, settings.timeoutMs);
  let idle: NodeJS.Timeout | undefined;
  return {
    signal: controller.signal,
    timedOut: () => state.timedOut,
    armIdle(): void {
      clearTimeout(idle);
      idle = setTimeout(expire, settings.idleTimeoutMs);
    },
    clear(): void {
      clearTimeout(total);
      clearTimeout(idle);
      request.signal.removeEventListener('abort', onAbort);
    },
  };
}
