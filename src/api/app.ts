import { timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppDeps } from './app-deps.js';
import { createAuthenticator } from './auth.js';
import { createErrorHandler, errorBody } from './errors.js';
import { registerJsonBodyParser } from './json-body-parser.js';
import { registerDispatchRoutes } from './routes/dispatch.js';
import { registerExecutionRoutes } from './routes/executions.js';
import { registerExecutionTreeRoutes } from './routes/execution-tree.js';
import { registerAgentRoutes } from './routes/agents.js';
import { registerFlowRoutes } from './routes/flows.js';
import { registerRecordRoutes } from './routes/records.js';
import { registerShuttleRoutes } from './routes/shuttle.js';
import { registerPlaygroundRoutes } from './routes/playground.js';
import { registerResumeRoutes } from './routes/resume.js';
import { registerToolRoutes } from './routes/tools.js';
import { FlowrunError } from '../protocol/errors.js';

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const publicRoutes = new Set(['/health', '/', '/playground']);

/** Builds the HTTP app from its dependencies; it constructs no adapter itself. */
export function createApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.settings.bodyLimitBytes,
    // Per-request lines only at debug: they cost throughput and say little a metrics endpoint would not.
    logController: new LogController({ disableRequestLogging: deps.logger.level !== 'debug' && deps.logger.level !== 'trace' }),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  registerJsonBodyParser(app);
  app.setErrorHandler(createErrorHandler(deps.settings.bodyLimitBytes));
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody(new FlowrunError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)));
  });
  const authenticate = createAuthenticator(deps.db, deps.settings.keyCacheTtlMs, deps.clock.now);
  app.decorateRequest('scope', null as never);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    if (publicRoutes.has(path) || request.method === 'OPTIONS') return;
    if (path.startsWith('/admin/')) {
      const token = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      if (!deps.settings.adminToken || !safeEqual(token, deps.settings.adminToken)) throw new FlowrunError('UNAUTHORIZED', 'Admin routes need Authorization: Bearer $FLOWRUN_ADMIN_TOKEN');
      return;
    }
    request.scope = await authenticate(request);
  });
  app.get('/health', async () => ({ status: 'ok', activeRuns: deps.scheduler.activeCount() }));
  registerPlaygroundRoutes(app);
  registerDispatchRoutes(app, deps);
  registerExecutionRoutes(app, deps);
  registerResumeRoutes(app, deps);
  registerToolRoutes(app, deps);
  registerAgentRoutes(app, deps);
  registerExecutionTreeRoutes(app, deps);
  registerFlowRoutes(app, deps);
  registerShuttleRoutes(app, deps);
  registerRecordRoutes(app, deps);
  return app;
}
