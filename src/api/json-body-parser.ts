import type { FastifyInstance } from 'fastify';
import { FlowrunError } from '../protocol/errors.js';
import { jsonShapeProblem } from '../protocol/json-shape.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies must be valid UTF-8 and valid JSON within the shape limits (nested at most 128 deep, bounded in
 * fields and values: what JSON.parse would hold the event loop for); `__proto__` keys are refused.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer | string, done) => {
    let text: string;
    try {
      text = typeof body === 'string' ? body : decoder.decode(body);
    } catch {
      done(new FlowrunError('INVALID_UTF8', 'The request body is not valid UTF-8'), undefined);
      return;
    }
    if (text.trim() === '') {
      // Clients send Content-Type on bodiless DELETEs and GETs too; only a method that takes a body needs one.
      if (request.method === 'DELETE' || request.method === 'GET' || request.method === 'HEAD') {
        done(null, undefined);
        return;
      }
      done(new FlowrunError('INVALID_JSON', 'The request body is empty; send a JSON object'), undefined);
      return;
    }
    const problem = jsonShapeProblem(text);
    if (problem) {
      done(new FlowrunError(problem.code, problem.message, [problem]), undefined);
      return;
    }
    try {
      // The reviver is slow; only bodies that mention __proto__ at all pay for it.
      const value: unknown = text.includes('__proto__') ? JSON.parse(text, refuseProto) : JSON.parse(text);
      done(null, value);
    } catch (error) {
      done(
        FlowrunError.isInstance(error) ? error : new FlowrunError('INVALID_JSON', `Malformed JSON: ${(error as Error).message}`),
        undefined,
      );
    }
  });
}

function refuseProto(key: string, item: unknown): unknown {
  if (key === '__proto__') throw new FlowrunError('INVALID_JSON', 'The request body may not contain a "__proto__" key');
  return item;
}
