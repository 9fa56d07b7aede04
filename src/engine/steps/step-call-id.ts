import type { StepRef } from '../../protocol/execution-event.js';

/**
 * The id of a step's own call (a tool-call or HTTP step): the same for the same step at the same place in the
 * run, whichever process runs it and however often (recovery runs the step in flight again), so the call's
 * Idempotency-Key repeats. Header-safe whatever the step's id holds (it is hashed, FNV-1a).
 */
export function stepCallId(prefix: string, ref: Pick<StepRef, 'stepId' | 'index' | 'iteration'>): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < ref.stepId.length; index++) {
    hash ^= ref.stepId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${prefix}_${ref.index}${ref.iteration ? `_${ref.iteration}` : ''}_${hash.toString(36)}`;
}
