import { ModelList, type ZodApp } from '../contract.js';
import type { AppDeps } from '../app-deps.js';

/**
 * `GET /v1/models`: the models this server can route now (a catalog model whose provider has a key or an
 * endpoint, and the built-in `flowrun/echo`), with prices in USD per million tokens (null when the catalog has
 * none). OpenAI's list shape, so OpenAI-style clients can read it.
 */
export function registerModelRoutes(app: ZodApp, deps: Pick<AppDeps, 'models' | 'catalogModels'>): void {
  app.get('/v1/models', { schema: { response: { 200: ModelList } } }, async () => {
    // Once each: the catalog lists `flowrun/echo` too.
    const data = [...new Set(['flowrun/echo', ...deps.catalogModels])].flatMap((id) => {
      const resolution = deps.models.resolve(id);
      if (!resolution.ok) return [];
      return [
        {
          id,
          object: 'model' as const,
          owned_by: resolution.provider,
          provider: resolution.provider,
          pricing: resolution.price
            ? { inputPerMillionTokensUsd: resolution.price.input, outputPerMillionTokensUsd: resolution.price.output }
            : null,
        },
      ];
    });
    return { object: 'list' as const, data };
  });
}
