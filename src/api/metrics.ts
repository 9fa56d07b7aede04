import { describedResponses, textAnswer } from './response-schemas.js';
import type { FastifyInstance } from 'fastify';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { tokensEqual } from './routes/admin.js';
import { openSseCount } from './sse.js';
import { FlowrunError } from '../protocol/errors.js';
import type { AppDeps } from './app-deps.js';

type MetricSources = AppDeps['metrics'];

export interface MetricsOptions extends MetricSources {
  /** Runs executing in this process now. */
  activeRuns: () => number;
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * `GET /metrics` in Prometheus' text format: the process (CPU seconds, resident memory, heap, open file
 * descriptors, garbage collection, event-loop delay p50/p99/max since the previous scrape) and Flowrun's own
 * gauges. The benchmark reads its CPU per run and event-loop delay from here.
 */
export function registerMetrics(app: FastifyInstance, options: MetricsOptions): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 5 });
  new Gauge({
    name: 'flowrun_runs_in_flight',
    help: 'Runs executing in this process',
    registers: [registry],
    collect() {
      this.set(options.activeRuns());
    },
  });
  new Gauge({
    name: 'flowrun_sse_connections',
    help: 'Open Server-Sent Event streams',
    registers: [registry],
    collect() {
      this.set(openSseCount());
    },
  });
  new Gauge({
    name: 'flowrun_queue_jobs',
    help: 'Jobs in the run queue by state (clustered only)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      if (!options.queueDepth) return;
      const depth = await options.queueDepth().catch(() => ({}) as Record<string, number>);
      for (const [state, count] of Object.entries(depth)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'flowrun_sandbox_threads',
    help: 'JavaScript sandbox threads: busy, started; and calls waiting for one',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const usage = options.sandbox?.();
      if (!usage) return;
      this.set({ state: 'busy' }, usage.busy);
      this.set({ state: 'started' }, usage.threads);
      this.set({ state: 'waiting' }, usage.waiting);
    },
  });
  const merged = Registry.merge([registry, ...options.registries]);
  app.get(
    '/metrics',
    { config: { access: 'public' }, schema: { response: describedResponses({ 200: textAnswer('text/plain', 'Prometheus text format') }) } },
    async (request, reply) => {
      const given = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '').trim();
      if (options.token && !tokensEqual(given, options.token))
        throw new FlowrunError('UNAUTHORIZED', '/metrics needs Authorization: Bearer $FLOWRUN_METRICS_TOKEN');
      return reply.type(merged.contentType).send(await merged.metrics());
    },
  );
}
