import { FlowrunError } from '../protocol/errors.js';

/**
 * A process that stalled past its lease and finds another holding the run: it must write nothing more into it
 * (no event, checkpoint, journal entry, end or credit), and stops.
 */
export function leaseLost(executionId: string): FlowrunError {
  return new FlowrunError('LEASE_LOST', `the lease on run ${executionId} passed to another process; this one stops writing it`);
}

export const isLeaseLost = (error: unknown): boolean => FlowrunError.isInstance(error) && error.code === 'LEASE_LOST';
