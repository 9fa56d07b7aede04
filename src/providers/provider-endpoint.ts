import type { Route } from './model-router.js';
import type { ProviderSettings } from './provider-settings.js';

const defaultURLs = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
};
const nativeSettings = { openai: 'OPENAI_BASE_URL', anthropic: 'ANTHROPIC_BASE_URL', google: 'GOOGLE_BASE_URL' };
const compatibleSettings: Record<string, string> = {
  routeAll: 'FLOWRUN_MODEL_BASE_URL',
  default: 'FLOWRUN_COMPAT_BASE_URL',
  ollama: 'OLLAMA_BASE_URL',
  vllm: 'VLLM_BASE_URL',
  groq: 'GROQ_BASE_URL',
  openrouter: 'OPENROUTER_BASE_URL',
};

/** Where a route's calls go, and the setting that points them there: what a "did not answer" error names. */
export function endpointOf(route: Exclude<Route, { kind: 'echo' }>, settings: ProviderSettings): { url: string; setting: string } {
  if (route.kind === 'compatible') {
    const endpoint = route.endpoint === 'routeAll' ? settings.routeAllTo : settings.compatible[route.endpoint];
    return { url: endpoint?.baseURL ?? '?', setting: compatibleSettings[route.endpoint] ?? 'FLOWRUN_COMPAT_BASE_URL' };
  }
  return { url: settings[route.kind].baseURL ?? defaultURLs[route.kind], setting: nativeSettings[route.kind] };
}
