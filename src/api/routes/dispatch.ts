import { describedBody, describedResponses, DispatchBody, DispatchResult, EventsQuery, runAnswer, type ZodApp } from '../contract.js';
import type { AppDeps } from '../app-deps.js';
import { prepareDispatch } from '../prepare-dispatch.js';
import { chooseDialect } from '../wire/dialect.js';
import { parseDispatchBody } from '../wire/dispatch-request.js';
import { headerValue } from '../headers.js';
import { claimKey, idempotencyKeyOf, markReplay, settled, storedDispatchResult, underClaim } from '../idempotency.js';
import { streamExecutionEvents } from '../stream-events.js';
import { respondWithRun } from '../respond-with-run.js';

export function registerDispatchRoutes(app: ZodApp, deps: AppDeps): void {
  app.post(
    '/v1/dispatch',
    {
      schema: {
        querystring: EventsQuery,
        body: describedBody(DispatchBody),
        response: describedResponses({
          200: runAnswer(DispatchResult, 'the run: its events (the default), or one JSON document with streamResponse: false'),
        }),
      },
    },
    async (request, reply) => {
      const query = request.query;
      const parsed = parseDispatchBody(request.body);
      if (parsed.ignored.length > 0) request.log.debug({ ignored: parsed.ignored }, 'dispatch fields Flowrun does not use were ignored');
      const dialect = chooseDialect(query.events, headerValue(request.headers['x-persona-version']), parsed.snakeCase);
      const options = parsed.body.options ?? {};
      // A repeated Idempotency-Key gets the first execution (its stream replayed, or its result) instead of a second run.
      const claim = await claimKey(deps, request, idempotencyKeyOf(request));
      if (claim?.prior) {
        const prior = claim.executionId;
        if (options.streamResponse === false)
          return markReplay(reply, prior).send(storedDispatchResult(await settled(deps, request, prior)));
        markReplay(reply, prior);
        return streamExecutionEvents(deps, request, reply, prior, 0, dialect);
      }
      const prepared = await underClaim(deps, request, claim, (executionId) =>
        prepareDispatch(deps, request.scope, parsed.body, dialect, executionId),
      );

      return respondWithRun(deps, request, reply, prepared, dialect, {
        stream: options.streamResponse !== false,
        cancelOnDisconnect: options.cancelOnDisconnect === true,
      });
    },
  );
}
