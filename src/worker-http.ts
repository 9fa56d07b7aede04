import { createServer, type Server } from 'node:http';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from './store/database.js';
import { schemaStatus } from './store/database.js';
import { tokensEqual } from './api/routes/admin.js';

/**
 * A worker's own small HTTP listener (FLOWRUN_WORKER_PORT): `/health`, `/ready` (the database answers with every
 * migration applied, and Redis answers) and `/metrics` (the process, runs in flight, and the run, step, event and
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
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'flowrun_runs_in_flight',
    help: 'Runs executing in this worker',
    registers: [registry],
    collect() {
      this.set(options.activeRuns());
    },
  });
  const merged = Registry.merge([registry, ...options.registries]);
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: string, type = 'application/json'): void => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/health') return send(200, JSON.stringify({ status: 'ok', activeRuns: options.activeRuns() }));
    if (path === '/ready') {
      void Promise.all([
        schemaStatus(options.db).then((status) => status.pending.length === 0),
        options.redisPing().then(
          () => true,
          () => false,
        ),
      ]).then(
        ([database, redis]) =>
          send(database && redis ? 200 : 503, JSON.stringify({ status: database && redis ? 'ready' : 'not_ready', database, redis })),
        (error: unknown) => send(503, JSON.stringify({ status: 'not_ready', error: (error as Error).message })),
      );
      return;
    }
    if (path === '/metrics') {
      const given = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '').trim();
      if (options.token && !tokensEqual(given, options.token))
        return send(401, JSON.stringify({ error: 'needs Authorization: Bearer $FLOWRUN_METRICS_TOKEN' }));
      void merged.metrics().then((text) => send(200, text, merged.contentType));
      return;
    }
    send(404, JSON.stringify({ error: `No route ${request.method} ${path}` }));
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://${options.host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
