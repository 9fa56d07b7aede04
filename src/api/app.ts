import { Health } from './response-schemas.js';
import { randomBytes } from 'node:crypto';
import { jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { AppDeps } from './app-deps.js';
import { createAuthenticator, type Caller } from './auth.js';
import { createErrorHandler, errorBody } from './errors.js';
import { registerJsonBodyParser } from './json-body-parser.js';
import { registerMetrics } from './metrics.js';
import { registerReadiness } from './readiness.js';
import { ErrorBody, useZodSchemas, type ZodApp } from './route-schemas.js';
import { registerDispatchRoutes } from './routes/dispatch.js';
import { registerExecutionRoutes } from './routes/executions.js';
import { registerExecutionTreeRoutes } from './routes/execution-tree.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAgentRoutes } from './routes/agents.js';
import { registerFlowRoutes } from './routes/flows.js';
import { registerRecordRoutes } from './routes/records.js';
import { registerShuttleRoutes } from './routes/shuttle.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerResumeRoutes } from './routes/resume.js';
import { registerToolRoutes } from './routes/tools.js';
import { registerToolTestRoutes } from './routes/tool-tests.js';
import { registerStepTypeRoutes } from './routes/step-types.js';
import { registerToolTypeRoutes } from './routes/tool-types.js';
import { registerModelRoutes } from './routes/models.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerSecretRoutes } from './routes/secrets.js';
import { registerAssetRoutes } from './routes/assets.js';
import { FlowrunError } from '../protocol/errors.js';

/** A registered route and who may call it (the security tests try every one with every URL spelling). */
export interface RouteEntry {
  method: string;
  url: string;
  access: 'public' | 'tenant' | 'admin';
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
  interface FastifyContextConfig {
    /**
     * Who may call a route, decided on the route the router matched (never on the raw URL): `tenant` (the
     * default, so a route that forgets to say is closed) needs an API key, `admin` the operator token (checked
     * by the admin plugin's own hook), `public` nothing.
     */
    access?: 'public' | 'tenant' | 'admin';
  }
}

/** Builds the HTTP app from its dependencies; it constructs no adapter itself. */
/**
 * Requests per minute of the key and of its tenant's keys together (fixed windows, counted by every process
 * alike), with X-RateLimit-Limit, -Remaining and -Reset (epoch seconds) of the tighter of the two on every answer,
 * and 429 RATE_LIMITED with Retry-After past either.
 */
async function limitRate(deps: AppDeps, reply: FastifyReply, caller: Caller): Promise<void> {
  const { scope, limits } = caller;
  const windows = [
    { id: scope.keyId!, limit: limits.key.rateLimitPerMinute, who: 'this key may send' },
    { id: `tenant:${scope.tenantId}:${scope.mode}`, limit: limits.tenant.rateLimitPerMinute, who: "this tenant's keys together may send" },
  ].filter((window) => window.limit > 0);
  if (windows.length === 0) return;
  const now = deps.clock.now();
  const windowStart = Math.floor(now / 60_000) * 60_000;
  const counts = await Promise.all(windows.map((window) => deps.rateLimiter.hit(window.id, windowStart)));
  const tightest = windows
    .map((window, index) => ({ ...window, count: counts[index]!, left: window.limit - counts[index]! }))
    .reduce((left, right) => (right.left < left.left ? right : left));
  const reset = windowStart + 60_000;
  reply.raw.setHeader('x-ratelimit-limit', String(tightest.limit));
  reply.raw.setHeader('x-ratelimit-remaining', String(Math.max(0, tightest.left)));
  reply.raw.setHeader('x-ratelimit-reset', String(Math.ceil(reset / 1000)));
  if (tightest.left < 0)
    throw new FlowrunError(
      'RATE_LIMITED',
      `Rate limit exceeded: ${tightest.who} ${tightest.limit} requests per minute`,
      [{ code: 'RATE_LIMITED', message: `${tightest.count} requests in this minute; the limit is ${tightest.limit}` }],
      { retryAfterSeconds: Math.max(1, Math.ceil((reset - now) / 1000)) },
    );
}

export function createApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.settings.bodyLimitBytes,
    // Per-request lines only at debug: they cost throughput and say little a metrics endpoint would not.
    logController: new LogController({
      disableRequestLogging: deps.logger.level !== 'debug' && deps.logger.level !== 'trace',
      requestIdLogLabel: 'requestId',
    }),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Long path parameters reach the route's schema, which answers 422 naming the parameter (not the router's 414).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    // A client that trickles its headers or body (slow loris) is cut off; streamed responses are not affected.
    requestTimeout: deps.settings.requestTimeoutMs ?? 30_000,
    // Every answer carries X-Request-Id (the caller's own, when it sent a sane one), and so does every log line
    // of the request: a user's bug report names the lines to look at.
    requestIdHeader: false,
    genReqId: (request) => {
      const sent = request.headers['x-request-id'];
      return typeof sent === 'string' && /^[\w.:-]{1,128}$/.test(sent) ? sent : `req_${randomBytes(12).toString('hex')}`;
    },
  });
  app.server.headersTimeout = deps.settings.headersTimeoutMs ?? 10_000;
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    // The API's description and its browser (/openapi.json, /docs) are public, like the docs it is generated for.
    if (route.url === '/docs' || route.url.startsWith('/docs/')) route.config = { ...route.config, access: 'public' };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods)
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, access: route.config?.access ?? 'tenant' });
  });
  registerJsonBodyParser(app);
  useZodSchemas(app);
  app.setErrorHandler(createErrorHandler(deps.settings.bodyLimitBytes));
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody(new FlowrunError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)));
  });
  const authenticate = createAuthenticator(deps.store, deps.settings.keyCacheTtlMs, deps.clock.now, deps.settings.limits);
  deps.keyRevocations?.onKeyRevoked(authenticate.forget);
  // A revocation leaves this process's cache at once, and the other processes' as fast as their relay carries it.
  const forgetKey = (keyId: string): void => {
    authenticate.forget(keyId);
    deps.keyRevocations?.revokeKey(keyId);
  };
  app.decorateRequest('scope', null as never);
  app.decorateRequest('limits', null as never);
  app.addHook('onRequest', async (request, reply) => {
    // Which server process answered (a random name per start, nothing about the host): with several processes
    // behind one port or a load balancer, it tells them apart in a bug report. Set on the socket's response so
    // that streams written directly carry it too.
    if (deps.settings.instance) reply.raw.setHeader('x-flowrun-instance', deps.settings.instance);
    reply.raw.setHeader('x-request-id', request.id);
    // Every answer, pages and API alike: not to be framed, sniffed into another type, or told where it came from.
    reply.raw.setHeader('x-frame-options', 'DENY');
    reply.raw.setHeader('x-content-type-options', 'nosniff');
    reply.raw.setHeader('referrer-policy', 'no-referrer');
    const access = request.routeOptions.config.access ?? 'tenant';
    if (access === 'public' || access === 'admin') return;
    const caller = await authenticate(request);
    request.scope = caller.scope;
    request.limits = caller.limits;
    await limitRate(deps, reply, caller);
  });
  registerOpenApi(app, deps);
  // In a plugin of their own, registered after the OpenAPI plugin: it sees every route as it is added.
  void app.register(async (scope) => registerRoutes(scope, deps, forgetKey));
  return app;
}

/** Every route of the API (the hooks, parsers and error handler of the root apply to them). */
function registerRoutes(app: FastifyInstance, deps: AppDeps, forgetKey: (keyId: string) => void): void {
  app.get('/health', { config: { access: 'public' }, schema: { response: { 200: Health } } }, async () => ({
    status: 'ok',
    activeRuns: deps.scheduler.activeCount(),
  }));
  registerReadiness(app, deps.readiness);
  registerMetrics(app, { activeRuns: () => deps.scheduler.activeCount(), token: deps.settings.metricsToken, ...deps.metrics });
  registerAdminRoutes(app.withTypeProvider<ZodTypeProvider>(), deps);
  const routes: ZodApp = app.withTypeProvider<ZodTypeProvider>();
  registerDashboardRoutes(routes);
  registerDispatchRoutes(routes, deps);
  registerExecutionRoutes(routes, deps);
  registerResumeRoutes(routes, deps);
  registerToolRoutes(routes, deps);
  registerToolTestRoutes(routes, deps);
  registerStepTypeRoutes(routes);
  registerToolTypeRoutes(routes);
  registerAgentRoutes(routes, deps);
  registerExecutionTreeRoutes(routes, deps);
  registerFlowRoutes(routes, deps);
  registerShuttleRoutes(routes, deps);
  registerRecordRoutes(routes, deps);
  registerModelRoutes(routes, deps);
  registerKeyRoutes(routes, deps, forgetKey);
  registerSecretRoutes(routes, deps);
  registerAssetRoutes(routes, deps);
}

/**
 * The OpenAPI 3.1 description, generated from the same zod schemas the routes validate with
 * (`@fastify/swagger` over the zod type provider), served at /openapi.json and browsable at /docs.
 */
function registerOpenApi(app: FastifyInstance, deps: AppDeps): void {
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Flowrun',
        version: deps.settings.version ?? '0.0.0',
        description:
          'The Travrse/Runtype dispatch API and the PromptShuttle run API, self-hosted. Every route but /health, /ready, /metrics, /openapi.json and /docs takes `Authorization: Bearer <key>`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'a tv_test_… or tv_live_… key' } } },
      security: [{ apiKey: [] }],
    },
    // Every route refuses with Runtype's error body: said once here for all of them.
    transform: (input) =>
      jsonSchemaTransform({
        ...input,
        schema: { ...input.schema, response: { '4XX': ErrorBody, '5XX': ErrorBody, ...(input.schema?.response as object | undefined) } },
      }),
  });
  // Served from the package: no CDN, and no online validator the description would be sent to.
  void app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { validatorUrl: null },
    // The API browser loads only its own files (Swagger UI sets inline styles, never inline scripts).
    staticCSP:
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
