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
  memory: "Flowrun's agents keep no memory of their own between runs: the conversation is the run's messages",
  claudeManagedConfig: 'Flowrun runs Runtype-type agents only (its own tool loop), not Claude-managed ones',
  externalConfig: 'Flowrun runs Runtype-type agents only (its own tool loop), not external ones',
  icon: "Flowrun's dashboard shows no agent icons",
};

/** Fields of an agent's `tools` Flowrun does not act on. */
const ignoredToolsFieldReasons: Readonly<Record<string, string>> = {
  subagentConfig:
    "Flowrun's sub-agents are the agent tools a template names, each run with its own template's settings and nested at most FLOWRUN_MAX_TOOL_DEPTH deep; subagentConfig's defaults are not applied",
  codeModeConfig: 'Flowrun has no code mode',
  toolConfigs: 'tools are configured under tools (toolIds, runtimeTools, mcpServers, perToolLimits)',
};

/** The agent fields (`agent.<key>`, `agent.config.<key>`) and `tools` fields Flowrun reports as ignored. */
export const reportedAgentFields = { agent: Object.keys(ignoredAgentFieldReasons), tools: Object.keys(ignoredToolsFieldReasons) };

/** The documented agent fields a definition sets (at its top level or under `config`) that Flowrun ignores. */
export function ignoredAgentFields(definition: unknown, path = 'agent'): IgnoredField[] {
  if (definition === null || typeof definition !== 'object') return [];
  const levels: Array<[Record<string, unknown>, string]> = [[definition as Record<string, unknown>, path]];
  const config = (definition as { config?: unknown }).config;
  if (config !== null && typeof config === 'object' && !Array.isArray(config))
    levels.push([config as Record<string, unknown>, `${path}.config`]);
  return levels.flatMap(([level, at]) => [
    ...Object.keys(ignoredAgentFieldReasons)
      .filter((key) => level[key] !== undefined && level[key] !== null)
      .map((key) => ({ field: `${at}.${key}`, reason: ignoredAgentFieldReasons[key]! })),
    ...subagentConfigOf(level, at),
  ]);
}

/** The documented fields of an agent's `tools` that Flowrun ignores (`tools.subagentConfig`, …). */
function subagentConfigOf(level: Record<string, unknown>, at: string): IgnoredField[] {
  const tools = level.tools;
  if (tools === null || typeof tools !== 'object' || Array.isArray(tools)) return [];
  return Object.keys(ignoredToolsFieldReasons)
    .filter((key) => (tools as Record<string, unknown>)[key] !== undefined && (tools as Record<string, unknown>)[key] !== null)
    .map((key) => ({ field: `${at}.tools.${key}`, reason: ignoredToolsFieldReasons[key]! }));
}

/**
 * Dispatch options Flowrun accepts with no effect, when set to what it does not do: `storeResults: false` (every
 * run and its step results are kept whatever the mode), `debugMode: true` (the events already carry every
 * step's input, output, usage and timing), `upsertOptions.allowOverwriteExternalChanges: false` (an upsert always
 * makes its steps current), and the versioning options of Runtype's older docs. Their other values are what
 * Flowrun does anyway: honoured.
 */
export function ignoredDispatchOptions(
  options:
    | {
        storeResults?: boolean;
        debugMode?: boolean;
        upsertOptions?: { allowOverwriteExternalChanges?: boolean };
        createVersion?: unknown;
        versionType?: unknown;
        versionLabel?: unknown;
        versionNotes?: unknown;
      }
    | undefined,
): IgnoredField[] {
  const ignored: IgnoredField[] = [];
  if (options?.upsertOptions?.allowOverwriteExternalChanges === false)
    ignored.push({
      field: 'options.upsertOptions.allowOverwriteExternalChanges',
      reason:
        'Flowrun has no record of where a stored flow was last edited: an upsert that changes its steps makes the new steps its current version whoever edited it last (every earlier version is kept and can be made current again)',
    });
  for (const key of ['createVersion', 'versionType', 'versionLabel', 'versionNotes'] as const)
    if (options?.[key] !== undefined)
      ignored.push({
        field: `options.${key}`,
        reason:
          'a version is made by flowMode upsert when the steps change (upsertOptions.createVersionOnChange), without a type, label or notes',
      });
  if (options?.storeResults === false)
    ignored.push({ field: 'options.storeResults', reason: 'Flowrun keeps every run and its step results whatever the mode' });
  if (options?.debugMode === true)
    ignored.push({
      field: 'options.debugMode',
      reason: "Flowrun has no debug mode: the events already carry each step's input, output, usage and timing",
    });
  return ignored;
}
