/** Words spelt as people write them, not as a key's camel case splits them. */
const words: Record<string, string> = {
  url: 'URL',
  http: 'HTTP',
  id: 'id',
  ids: 'ids',
  json: 'JSON',
  mcp: 'MCP',
  api: 'API',
  usd: 'USD',
  p: 'P',
  k: 'K',
};

/** Labels that say more than their key's words. */
const labels: Record<string, string> = {
  userPrompt: 'Prompt',
  systemPrompt: 'System prompt',
  outputVariable: 'Save the result as',
  topP: 'Top P',
  topK: 'Top K',
  toolId: 'Tool',
  agentId: 'Agent',
  maxTokens: 'Max output tokens',
  timeout: 'Timeout (ms)',
};

/** A config key as a form label: `userPrompt` → “Prompt”, `maxTokens` → “Max output tokens”, `recordId` → “Record id”. */
export function fieldLabel(key: string): string {
  const known = labels[key];
  if (known) return known;
  const parts = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .split(/\s+/)
    .map((part) => words[part.toLowerCase()] ?? part.toLowerCase());
  const [first = '', ...rest] = parts;
  return [first === first.toUpperCase() ? first : first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(' ');
}
