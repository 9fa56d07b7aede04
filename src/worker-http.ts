import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import { registerMetrics } from './api/metrics.js';
import { registerReadiness } from './api/readiness.js';
import { useZodSchemas } from './api/route-schemas.js';
import { schemaStatus, type Database } from './store/database.js';

/**
 * A worker's own small HTTP listener (FLOWRUN_WORKER_PORT): `/health`, and the API server's own `/ready` (the
 * database, its migrations and Redis) and `/metrics` (the process, runs in flight, and the run, step, event and
 * model metrics of the runs this worker executes). It serves no API.
 */
export async function startWorkerHttp(options: {
  host: string;
  port: number;
  db: Database;
  redisPing: () => Promise<void>;
  activeRuns: () => number;
  registries: Registry[];
  token?: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  useZodSchemas(app);
  app.get('/health', async () => ({ status: 'ok', activeRuns: options.activeRuns() }));
  registerReadiness(app, { schema: () => schemaStatus(options.db), redis: options.redisPing });
  registerMetrics(app, {
    activeRuns: options.activeRuns,
    registries: options.registries,
    ...(options.token ? { token: options.token } : {}),
  });
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
