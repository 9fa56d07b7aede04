import { type ZodApp } from '../route-schemas.js';
import { playgroundHtml } from '../playground-html.js';

/** `GET /`: the playground, one self-contained page (no build step). */
export function registerPlaygroundRoutes(app: ZodApp): void {
  const send = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(playgroundHtml);
  app.get('/', { config: { access: 'public' } }, send);
  app.get('/playground', { config: { access: 'public' } }, send);
}
