import type { Config } from '../config.js';
import { describeDatabase } from '../config.js';

/** Where models can go with these settings, as a person reads it: each provider and the variable that enabled it. */
export function describeProviders(providers: Config['providers']): string[] {
  if (providers.routeAllTo) return [`every model → ${providers.routeAllTo.baseURL} (FLOWRUN_MODEL_BASE_URL)`];
  const found: string[] = [];
  if (providers.openai.apiKey) found.push(`openai (OPENAI_API_KEY${providers.openai.baseURL ? `, ${providers.openai.baseURL}` : ''})`);
  if (providers.anthropic.apiKey) found.push('anthropic (ANTHROPIC_API_KEY)');
  if (providers.google.apiKey) found.push('google (GOOGLE_GENERATIVE_AI_API_KEY)');
  for (const [name, endpoint] of Object.entries(providers.compatible))
    found.push(name === 'default' ? `any other model → ${endpoint.baseURL} (FLOWRUN_COMPAT_BASE_URL)` : `${name}/… → ${endpoint.baseURL}`);
  found.push('flowrun/echo (built in, answers with its prompt)');
  return found;
}

/** What `flowrun serve` prints once it listens: where, on what store, with which models, and the next step. */
export function startBanner(config: Config, server: { url: string; hasKeys: boolean }, version: string): string {
  const lines = [
    `Flowrun ${version} is listening on ${server.url}`,
    `  dashboard ${server.url}/ (sign in with an API key)`,
    `  database  ${describeDatabase(config)}`,
    `  models    ${describeProviders(config.providers).join('\n            ')}`,
    server.hasKeys
      ? `  try       curl -s ${server.url}/v1/models -H "Authorization: Bearer $FLOWRUN_API_KEY"`
      : '  API key   none yet: run `npx flowrun keys create` (it prints the key once), then send it as Authorization: Bearer <key>',
    '  settings  npx flowrun serve --help; docs in README.md and docs/',
  ];
  return `${lines.join('\n')}\n`;
}
