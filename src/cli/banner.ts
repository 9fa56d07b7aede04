import type { Config } from '../config.js';
import { describeDatabase } from '../config.js';
import { cliCommand } from './invocation.js';

/**
 * Where models can go with these settings, as a person reads it: each provider and the variable that enabled it.
 * A key or an endpoint says where a call would go, not that the provider answers: nothing has called it when the
 * server starts, so each says "not checked" (a run's first call to it is the check); only the built-in
 * `flowrun/echo`, in this process, is known to answer.
 */
export function describeProviders(providers: Config['providers']): string[] {
  const unchecked = (text: string) => `${text}: not checked`;
  if (providers.routeAllTo) return [unchecked(`every model → ${providers.routeAllTo.baseURL} (FLOWRUN_MODEL_BASE_URL)`)];
  const found: string[] = [];
  if (providers.openai.apiKey) found.push(`openai (OPENAI_API_KEY${providers.openai.baseURL ? `, ${providers.openai.baseURL}` : ''})`);
  if (providers.anthropic.apiKey) found.push('anthropic (ANTHROPIC_API_KEY)');
  if (providers.google.apiKey) found.push('google (GOOGLE_GENERATIVE_AI_API_KEY)');
  for (const [name, endpoint] of Object.entries(providers.compatible))
    found.push(name === 'default' ? `any other model → ${endpoint.baseURL} (FLOWRUN_COMPAT_BASE_URL)` : `${name}/… → ${endpoint.baseURL}`);
  return [...found.map(unchecked), 'flowrun/echo (built in, answers with its prompt)'];
}

/** What `flowrun serve` prints once it listens: where, on what store, with which models, and the next step. */
export function startBanner(config: Config, server: { url: string; hasKeys: boolean }, version: string): string {
  const cli = cliCommand();
  const lines = [
    `Flowrun ${version} is listening on ${server.url}`,
    `  dashboard ${server.url}/ (sign in with an API key)`,
    `  database  ${describeDatabase(config)}`,
    `  models    ${describeProviders(config.providers).join('\n            ')}`,
    server.hasKeys
      ? `  try       curl -s ${server.url}/v1/models -H "Authorization: Bearer $FLOWRUN_API_KEY"`
      : `  API key   none yet: run \`${cli} keys create\` (it prints the key once), then send it as Authorization: Bearer <key>`,
    `  settings  ${cli} serve --help; docs in README.md and docs/`,
  ];
  return `${lines.join('\n')}\n`;
}
