import { z } from 'zod';

/** A key a saved tool's `config` must hold, and what it is for (said back when it is missing or wrong). */
export interface ToolConfigRequirement {
  key: string;
  what: string;
  schema: z.ZodType;
}

/** What the schemas, the API and the dashboard know about one kind of tool; how it runs is in `tools/kinds/`. */
export interface ToolKindInfo {
  /** Whether a tool of this kind can be saved or given inline; false when it is only ever referenced (`builtin:<id>`). */
  definable: boolean;
  /** Whether the dashboard's tool editor offers it. */
  editable: boolean;
  /** Whether `POST /v1/tools/test` runs it. */
  testable: boolean;
  /** What `POST /v1/tools` checks in a saved tool's `config`. */
  requiredConfig: readonly ToolConfigRequirement[];
}

/**
 * Every kind of tool Flowrun runs, in the order schemas list them. Adding a kind is a line here, its runner in
 * `tools/kinds/` and a line in `tools/kinds/registry.ts` (which does not compile until every kind here has one).
 */
export const toolKinds = {
  custom: {
    definable: true,
    editable: true,
    testable: true,
    requiredConfig: [{ key: 'code', what: 'the JavaScript to run', schema: z.string().min(1).max(200_000) }],
  },
  external: {
    definable: true,
    editable: true,
    testable: true,
    requiredConfig: [{ key: 'url', what: 'an http(s) URL template', schema: z.string().regex(/^https?:\/\//) }],
  },
  flow: {
    definable: true,
    editable: true,
    testable: false,
    requiredConfig: [{ key: 'flowId', what: 'the id of a stored flow', schema: z.string().min(1) }],
  },
  mcp: { definable: true, editable: true, testable: false, requiredConfig: [] },
  local: { definable: true, editable: false, testable: false, requiredConfig: [] },
  subagent: { definable: true, editable: true, testable: false, requiredConfig: [] },
  builtin: { definable: false, editable: false, testable: false, requiredConfig: [] },
  graphql: {
    definable: true,
    editable: false,
    testable: true,
    requiredConfig: [{ key: 'query', what: 'the GraphQL query or mutation', schema: z.string().min(1).max(100_000) }],
  },
  search: { definable: true, editable: false, testable: true, requiredConfig: [] },
} as const satisfies Record<string, ToolKindInfo>;

export type ToolKind = keyof typeof toolKinds;

/** The kinds a tool may be saved or given inline as (a built-in tool is only referenced). */
export type DefinableToolKind = { [K in ToolKind]: (typeof toolKinds)[K]['definable'] extends true ? K : never }[ToolKind];

type NonEmpty<T> = readonly [T, ...T[]];

export const toolKindNames = Object.keys(toolKinds) as unknown as NonEmpty<ToolKind>;

export const definableToolKinds = toolKindNames.filter((kind) => toolKinds[kind].definable) as unknown as NonEmpty<DefinableToolKind>;

export function isToolKind(name: string): name is ToolKind {
  return Object.prototype.hasOwnProperty.call(toolKinds, name);
}

/** The kinds `POST /v1/tools/test` runs, and how a message names them ("custom and external", "custom or external"). */
export const testableKinds: readonly ToolKind[] = toolKindNames.filter((kind) => toolKinds[kind].testable);
export const testableAnd = new Intl.ListFormat('en', { type: 'conjunction' }).format(testableKinds);
export const testableOr = new Intl.ListFormat('en', { type: 'disjunction' }).format(testableKinds);
