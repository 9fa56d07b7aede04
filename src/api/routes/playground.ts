import { describedResponses, textAnswer } from '../response-schemas.js';
import { type ZodApp } from '../route-schemas.js';
import { playgroundHtml } from '../playground-html.js';

/** `GET /`: the playground, one self-contained page (no build step). */
export function registerPlaygroundRoutes(app: ZodApp): void {
  const send = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(playgroundHtml);
  const page = {
    config: { access: 'public' as const },
    schema: { response: describedResponses({ 200: textAnswer('text/html', 'the playground page') }) },
  };
  app.get('/', page, send);
  app.get('/playground', page, send);
}
