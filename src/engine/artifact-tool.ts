import type { ArtifactsConfig } from '../protocol/flow.js';
import type { ResolvedTool, ToolOutcome } from './ports.js';

/**
 * Runtype's agent artifacts: with `artifacts: {enabled, types}` the model gets a `create_artifact` tool that
 * makes a markdown document or a UI component (a name and its props). The artifact streams to the client as
 * artifact frames and is kept with the run (`GET /v1/executions/{id}/artifacts`); the model is told its id.
 */
export function artifactTool(config: ArtifactsConfig): ResolvedTool {
  return {
    id: 'builtin:artifact',
    name: 'create_artifact',
    description:
      'Creates an artifact shown to the user beside the chat: a markdown document (artifactType "markdown", content) ' +
      'or a UI component (artifactType "component", component name and props).',
    toolType: 'builtin',
    parametersSchema: {
      type: 'object',
      properties: {
        artifactType: { type: 'string', enum: config.types },
        title: { type: 'string' },
        content: { type: 'string', description: 'The markdown, for a markdown artifact' },
        component: { type: 'string', description: 'The component name, for a component artifact' },
        props: { type: 'object', description: "The component's props" },
      },
      required: ['artifactType', 'title'],
    },
    config: { builtin: 'create_artifact', types: config.types },
  };
}

/** Checks a `create_artifact` call and makes its artifact (its id derives from the call's, so a replay keeps it). */
export function createArtifact(tool: ResolvedTool, args: Record<string, unknown>, toolCallId: string): ToolOutcome {
  const types = (tool.config.types as string[] | undefined) ?? ['markdown'];
  const artifactType = args.artifactType;
  if (artifactType !== 'markdown' && artifactType !== 'component')
    return { ok: false, error: { code: 'TOOL_FAILED', message: 'artifactType must be "markdown" or "component"' } };
  if (!types.includes(artifactType))
    return { ok: false, error: { code: 'TOOL_FAILED', message: `this agent makes ${types.join(' and ')} artifacts only` } };
  const title = typeof args.title === 'string' && args.title.trim() ? args.title.trim().slice(0, 200) : 'Untitled';
  const id = `artifact_${toolCallId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  if (artifactType === 'markdown') {
    if (typeof args.content !== 'string')
      return { ok: false, error: { code: 'TOOL_FAILED', message: 'a markdown artifact needs content' } };
    return { ok: true, result: { artifactId: id, title }, costUsd: 0, artifacts: [{ id, artifactType, title, content: args.content }] };
  }
  if (typeof args.component !== 'string' || !args.component)
    return { ok: false, error: { code: 'TOOL_FAILED', message: 'a component artifact needs component (its name)' } };
  const props = args.props && typeof args.props === 'object' && !Array.isArray(args.props) ? (args.props as Record<string, unknown>) : {};
  return {
    ok: true,
    result: { artifactId: id, title },
    costUsd: 0,
    artifacts: [{ id, artifactType, title, component: args.component, props }],
  };
}
