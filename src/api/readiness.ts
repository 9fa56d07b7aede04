import type { FastifyInstance } from 'fastify';
import { describedResponses, Readiness } from './response-schemas.js';

/** What `/ready` asks: the database's migrations (applied, and pending by name), and Redis when clustered. */
export interface Readiness {
  schema: () => Promise<{ applied: number; pending: string[] }>;
  redis?: () => Promise<void>;
}

/**
 * `GET /ready`, for a load balancer or an orchestrator: the database answers and every migration is applied, and
 * Redis answers when the process is clustered; 503 otherwise, naming what is missing. The API server and a
 * worker's own listener register the same route.
 */
export function registerReadiness(app: FastifyInstance, { schema: schemaStatus, redis }: Readiness): void {
  app.get(
    '/ready',
    { config: { access: 'public' }, schema: { response: describedResponses({ 200: Readiness, 503: Readiness }) } },
    async (_request, reply) => {
      const schema = await schemaStatus().catch((error: unknown) => ({ error: (error as Error).message }));
      const database =
        'error' in schema
          ? { ok: false, error: schema.error }
          : { ok: schema.pending.length === 0, migrationsApplied: schema.applied, migrationsPending: schema.pending };
      const redisAnswer = redis ? await answers(redis) : undefined;
      const missing = [...(database.ok ? [] : ['database' as const]), ...(redisAnswer && !redisAnswer.ok ? ['redis' as const] : [])];
      const ready = missing.length === 0;
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        database,
        ...(redisAnswer ? { redis: redisAnswer } : {}),
        ...(ready ? {} : { missing }),
      });
    },
  );
}

/** Whether a dependency answers within two seconds. */
async function answers(check: () => Promise<void>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2000)))]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
