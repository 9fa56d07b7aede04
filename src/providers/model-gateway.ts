import { delay } from '../protocol/delay.js';
import { APICallError, type LanguageModelV3 } from '@ai-sdk/provider';
import type { ModelGateway } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import { priceUsd, type ModelCatalog } from './catalog.js';
import { streamEcho } from './echo-model.js';
import { routeModel, toResolution, type Route } from './model-router.js';
import type { ProviderSettings } from './provider-settings.js';
import { recordModelCall } from './model-metrics.js';
import { retryDelayMs } from './retry-delay.js';
import { createLanguageModel } from './provider-factory.js';
import { streamOnce } from './sdk-stream.js';
import { isRetryable, toFlowrunError } from './provider-errors.js';

/** The model gateway over the Vercel AI SDK providers, calling each model's `doStream` directly. */
export function createModelGateway(catalog: ModelCatalog, settings: ProviderSettings): ModelGateway {
  // Each provider's package is loaded the first time one of its models is called: a server that only ever talks to
  // one provider never loads the others (startup, and so restart after a crash, is shorter).
  const models = new Map<string, Promise<LanguageModelV3>>();

  const modelFor = (route: Exclude<Route, { kind: 'echo' }>): Promise<LanguageModelV3> => {
    const key = `${route.kind}:${'endpoint' in route ? route.endpoint : ''}:${route.modelId}`;
    let model = models.get(key);
    if (!model) {
      model = createLanguageModel(route, settings);
      models.set(key, model);
    }
    return model;
  };

  return {
    resolve: (model) => toResolution(routeModel(model, catalog, settings)),
    async *stream(request) {
      const routed = routeModel(request.model, catalog, settings);
      if ('error' in routed) throw new FlowrunError(routed.code, routed.error);
      const { route, price } = routed;
      if (route.kind === 'echo') {
        yield* streamEcho(request);
        return;
      }
      const model = await modelFor(route);
      // Metric labels come from a bounded set: a model the catalog prices, else `other` (a tenant may name any model).
      const name = price ? `${route.provider}/${route.modelId}` : 'other';
      for (let attempt = 1; ; attempt++) {
        let yielded = false;
        const startedAt = performance.now();
        try {
          for await (const part of streamOnce(model, route, request, settings)) {
            if (part.type === 'finish') {
              const tokens = { input: part.usage.inputTokens, output: part.usage.outputTokens, reasoning: part.usage.reasoningTokens };
              const usage = { ...part.usage, costUsd: priceUsd(price, tokens) };
              recordModelCall(name, startedAt, 'ok', usage);
              yield { ...part, usage };
              return;
            }
            yielded = true;
            yield part;
          }
          throw new FlowrunError('PROVIDER_ERROR', `${route.provider} ended the stream for ${route.modelId} without a finish`);
        } catch (caught) {
          recordModelCall(name, startedAt, 'error');
          if (request.signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled');
          const error = toFlowrunError(caught, route, settings);
          const retryable = isRetryable(caught);
          if (yielded || !retryable || attempt > settings.maxRetries) throw error;
          const headers = APICallError.isInstance(caught) ? caught.responseHeaders : undefined;
          await delay(retryDelayMs(attempt, headers, settings.maxRetryDelayMs, Date.now()), request.signal);
        }
      }
    },
  };
}
