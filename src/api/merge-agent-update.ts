/**
 * A saved agent with an update applied as Runtype documents its `PUT /v1/agents/{id}`: only the given fields
 * change, and `config` is deep-merged (objects merged key by key, anything else — arrays included — replaced).
 */
export function mergeAgentUpdate(existing: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...existing, ...update };
  if (isPlainObject(existing.config) && isPlainObject(update.config)) merged.config = deepMerge(existing.config, update.config);
  return merged;
}

function deepMerge(base: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(update)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
