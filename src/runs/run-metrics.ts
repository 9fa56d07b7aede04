import { Counter, Histogram, Registry } from 'prom-client';
import type { StepCheckpoint } from '../engine/ports.js';

/** Runs, steps and events as Prometheus sees them (one registry per process). */
export const runMetricsRegistry = new Registry();

const runsEnded = new Counter({
  name: 'flowrun_runs_total',
  help: 'Runs that ended (or paused) in this process, by status',
  labelNames: ['status'],
  registers: [runMetricsRegistry],
});
const steps = new Histogram({
  name: 'flowrun_step_duration_seconds',
  help: 'Committed steps, by step type and status',
  labelNames: ['type', 'status'],
  buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  registers: [runMetricsRegistry],
});
const events = new Counter({
  name: 'flowrun_events_written_total',
  help: 'Run events committed to the store (rate() of it: events per second)',
  registers: [runMetricsRegistry],
});

export const runMetrics = {
  ended: (status: string): void => runsEnded.inc({ status }),
  step: (checkpoint: Pick<StepCheckpoint, 'stepType' | 'status' | 'durationMs'>): void =>
    steps.observe({ type: checkpoint.stepType, status: checkpoint.status }, checkpoint.durationMs / 1000),
  eventsWritten: (count: number): void => events.inc(count),
};
