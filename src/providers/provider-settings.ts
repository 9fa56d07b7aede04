export interface EndpointSettings {
  baseURL?: string;
  apiKey?: string;
}

export interface ProviderSettings {
  openai: EndpointSettings;
  anthropic: EndpointSettings;
  google: EndpointSettings;
  /** OpenAI-compatible endpoints by prefix (`ollama/llama3` → `ollama`). `default` takes any id not otherwise routed. */
  compatible: Record<string, EndpointSettings & { baseURL: string }>;
  /** When set, every model id (but `flowrun/echo`) goes to this OpenAI-compatible endpoint, unchanged. */
  routeAllTo?: EndpointSettings & { baseURL: string };
  /** Retries of 429/5xx/network failures before the first byte. */
  maxRetries: number;
  maxRetryDelayMs: number;
  /** Whole-call limit and the longest silence allowed between two stream parts. */
  timeoutMs: number;
  idleTimeoutMs: number;
  fetch?: typeof fetch;
}
