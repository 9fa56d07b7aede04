import type { ModelResolution } from '../engine/ports.js';
import type { CatalogEntry, ModelCatalog } from './catalog.js';
import type { ProviderSettings } from './provider-settings.js';

import { closestName, didYouMean } from '../protocol/closest-name.js';

export type Route =
  | { kind: 'echo'; modelId: string; provider: 'flowrun' }
  | { kind: 'openai' | 'anthropic' | 'google'; modelId: string; provider: string }
  | { kind: 'compatible'; endpoint: string; modelId: string; provider: string };

export interface RouteResult {
  route: Route;
  price: CatalogEntry | undefined;
}

const nativeProviders = ['openai', 'anthropic', 'google'] as const;
const keyVariables = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', google: 'GOOGLE_GENERATIVE_AI_API_KEY' };

/**
 * Chooses where a model id goes: `flowrun/echo` stays in process; with `routeAllTo` everything else goes there;
 * `provider/model` goes to that provider; a catalog id or a known family prefix (`claude-`, `gpt-`) to its
 * provider; anything else to the `default` OpenAI-compatible endpoint, if one is configured.
 */
export type RouteError = { code: 'UNKNOWN_MODEL' | 'MISSING_PROVIDER_KEY'; error: string; suggestion?: string };

export function routeModel(model: string, catalog: ModelCatalog, settings: ProviderSettings): RouteResult | RouteError {
  const price = catalog.models[model];
  if (model === 'flowrun/echo') return { route: { kind: 'echo', modelId: model, provider: 'flowrun' }, price };
  if (settings.routeAllTo)
    return { route: { kind: 'compatible', endpoint: 'routeAll', modelId: model, provider: 'openai-compatible' }, price };
  const slash = model.indexOf('/');
  if (slash > 0) {
    const prefix = model.slice(0, slash);
    const rest = model.slice(slash + 1);
    const restPrice = price ?? catalog.models[rest];
    if ((nativeProviders as readonly string[]).includes(prefix))
      return native(prefix as (typeof nativeProviders)[number], rest, restPrice, settings);
    if (settings.compatible[prefix])
      return { route: { kind: 'compatible', endpoint: prefix, modelId: rest, provider: prefix }, price: restPrice };
  }
  const provider = price?.provider ?? catalog.families.find((family) => model.startsWith(family.prefix))?.provider;
  if (provider && (nativeProviders as readonly string[]).includes(provider))
    return native(provider as (typeof nativeProviders)[number], model, price, settings);
  if (provider && provider !== 'compatible' && settings.compatible[provider]) {
    return { route: { kind: 'compatible', endpoint: provider, modelId: model, provider }, price };
  }
  if (settings.compatible.default)
    return { route: { kind: 'compatible', endpoint: 'default', modelId: model, provider: 'openai-compatible' }, price };
  const near = didYouMean(closestName(model, Object.keys(catalog.models)));
  return {
    code: 'UNKNOWN_MODEL',
    ...(near ? { suggestion: near } : {}),
    error:
      `unknown model '${model}'${near ? ` (${near})` : ''}: it is not in the catalog and no OpenAI-compatible ` +
      'endpoint is configured for it (set FLOWRUN_COMPAT_BASE_URL, or FLOWRUN_MODEL_BASE_URL to send every model to one ' +
      'endpoint; GET /v1/models lists the models this server can route)',
  };
}

function native(
  provider: (typeof nativeProviders)[number],
  modelId: string,
  price: CatalogEntry | undefined,
  settings: ProviderSettings,
): RouteResult | RouteError {
  if (!settings[provider].apiKey) {
    return {
      code: 'MISSING_PROVIDER_KEY',
      suggestion: `set ${keyVariables[provider]}, or use the model 'flowrun/echo'`,
      error:
        `model '${modelId}' goes to ${provider}, but ${keyVariables[provider]} is not set: set it, send every model to one ` +
        "OpenAI-compatible server with FLOWRUN_MODEL_BASE_URL, or try the flow with the model 'flowrun/echo' (it answers " +
        'in process, no provider needed)',
    };
  }
  return { route: { kind: provider, modelId, provider }, price };
}

export function toResolution(result: RouteResult | RouteError): ModelResolution {
  if ('error' in result)
    return { ok: false, code: result.code, reason: result.error, ...(result.suggestion ? { suggestion: result.suggestion } : {}) };
  return {
    ok: true,
    provider: result.route.provider,
    modelId: result.route.modelId,
    ...(result.price ? { price: { input: result.price.input, output: result.price.output } } : {}),
    ...(result.price?.images === false ? { acceptsImages: false } : {}),
  };
}
