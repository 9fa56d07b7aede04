import type { FastifyInstance } from 'fastify';
import { FlowrunError } from '../protocol/errors.js';
import { jsonTextTooDeep, maxJsonDepth } from '../protocol/json-depth.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON bodies must be valid UTF-8 and valid JSON nested at most 128 deep; `__proto__` keys are refused. */
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
    if (jsonTextTooDeep(text)) {
      const message = `The request body is nested deeper than ${maxJsonDepth} levels`;
      done(new FlowrunError('NESTING_TOO_DEEP', message, [{ code: 'NESTING_TOO_DEEP', path: '', message }]), undefined);
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
