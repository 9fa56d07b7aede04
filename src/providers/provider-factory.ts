import { type LanguageModelV3 } from '@ai-sdk/provider';
import { type Route } from './model-router.js';
import type { ProviderSettings } from './provider-settings.js';

export async function createLanguageModel(route: Exclude<Route, { kind: 'echo' }>, settings: ProviderSettings): Promise<LanguageModelV3> {
  const fetchOption = settings.fetch ? { fetch: settings.fetch } : {};
  switch (route.kind) {
    case 'openai': {
      const { createOpenAI } = await import('@ai-sdk/openai');
      return createOpenAI({ apiKey: settings.openai.apiKey, baseURL: settings.openai.baseURL, ...fetchOption }).chat(route.modelId);
    }
    case 'anthropic': {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      return createAnthropic({ apiKey: settings.anthropic.apiKey, baseURL: settings.anthropic.baseURL, ...fetchOption })(route.modelId);
    }
    case 'google': {
      const { createGoogleGenerativeAI } = await import('@ai-sdk/google');
      return createGoogleGenerativeAI({ apiKey: settings.google.apiKey, baseURL: settings.google.baseURL, ...fetchOption })(route.modelId);
    }
    case 'compatible': {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      const endpoint = route.endpoint === 'routeAll' ? settings.routeAllTo! : settings.compatible[route.endpoint]!;
      return createOpenAICompatible({
        name: route.provider,
        baseURL: endpoint.baseURL,
        apiKey: endpoint.apiKey,
        includeUsage: true,
        ...fetchOption,
      }).chatModel(route.modelId);
    }
  }
}
