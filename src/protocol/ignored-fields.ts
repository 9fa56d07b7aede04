/** A field Runtype documents that Flowrun accepts without acting on it: reported as a warning, never dropped quietly. */
export interface IgnoredField {
  /** Where it was written, e.g. `agent.config.voice`, `options.debugMode`. */
  field: string;
  /** Why Flowrun does not use it. */
  reason: string;
}

/** Agent fields Runtype documents that Flowrun does not act on, with the reason each is ignored. */
const ignoredAgentFieldReasons: Readonly<Record<string, string>> = {
  temporal: 'Flowrun runs an agent as one durable run of its own; it has no Temporal workflow settings',
  voice: 'Flowrun has no voice channel',
  advisor: 'Flowrun has no advisor model',
  loggingPolicy: 'Flowrun keeps every run and its events (secrets redacted) whatever the policy',
  codeModeConfig: 'Flowrun has no code mode',
  toolConfigs: 'tools are configured under tools (toolIds, runtimeTools, mcpServers)',
  capabilities: 'Flowrun has no agent capabilities or skills',
  primaryFlowId: 'an agent runs as its own prompt step, not through a flow',
};

/** The documented agent fields a definition sets (at its top level or under `config`) that Flowrun ignores. */
export function ignoredAgentFields(definition: unknown, path = 'agent'): IgnoredField[] {
  if (definition === null || typeof definition !== 'object') return [];
  const levels: Array<[Record<string, unknown>, string]> = [[definition as Record<string, unknown>, path]];
  const config = (definition as { config?: unknown }).config;
  if (config !== null && typeof config === 'object' && !Array.isArray(config))
    levels.push([config as Record<string, unknown>, `${path}.config`]);
  return levels.flatMap(([level, at]) =>
    Object.keys(ignoredAgentFieldReasons)
      .filter((key) => level[key] !== undefined && level[key] !== null)
      .map((key) => ({ field: `${at}.${key}`, reason: ignoredAgentFieldReasons[key]! })),
  );
}

/**
 * Dispatch options Flowrun accepts with no effect, when set to what it does not do: `storeResults: false` (every
 * run and its step results are kept whatever the mode) and `debugMode: true` (the events already carry every
 * step's input, output, usage and timing). Their other values are what Flowrun does anyway: honoured.
 */
export function ignoredDispatchOptions(options: { storeResults?: boolean; debugMode?: boolean } | undefined): IgnoredField[] {
  const ignored: IgnoredField[] = [];
  if (options?.storeResults === false)
    ignored.push({ field: 'options.storeResults', reason: 'Flowrun keeps every run and its step results whatever the mode' });
  if (options?.debugMode === true)
    ignored.push({
      field: 'options.debugMode',
      reason: "Flowrun has no debug mode: the events already carry each step's input, output, usage and timing",
    });
  return ignored;
}
