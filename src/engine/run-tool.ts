import type { ResolvedTool, ToolArtifact } from './ports.js';
import type { StepContext } from './run-context.js';
import { createArtifact } from './artifact-tool.js';
import type { ToolCallRecord } from './tool-loop-state.js';

/** A tool given whole (a step's `runtimeTools`, a tool being tried before it is saved), as the runners take it: named by its name. */
export function inlineTool(tool: Pick<ResolvedTool, 'name' | 'description' | 'toolType' | 'parametersSchema' | 'config'>): ResolvedTool {
  const { name, description, toolType, parametersSchema, config } = tool;
  return { id: name, name, description, toolType, parametersSchema, config };
}

/** Runs one tool call with its events (tool_result, tool_complete) and returns what the caller records. */
export async function runToolWithEvents(
  tool: ResolvedTool,
  args: Record<string, unknown>,
  toolCallId: string,
  context: StepContext,
): Promise<{ result: unknown; record: ToolCallRecord; logs?: string[] }> {
  const { clock, events, tools } = context.deps;
  const started = clock.now();
  // The artifact tool makes its artifact in the engine (no I/O); every other tool runs in the tool runner.
  const outcome =
    tool.toolType === 'builtin' && tool.config.builtin === 'create_artifact'
      ? createArtifact(tool, args, toolCallId)
      : await tools.run(tool, args, {
          executionId: context.request.executionId,
          scope: context.request.scope,
          toolCallId,
          secrets: context.request.secrets,
          signal: context.signal,
          depth: context.request.depth,
          onOutput: (delta) => events.emit({ type: 'tool_delta', toolCallId, toolName: tool.name, delta, ...context.ref }),
        });
  const durationMs = clock.now() - started;
  const result = outcome.ok ? outcome.result : { error: outcome.error.message, code: outcome.error.code };
  const costUsd = outcome.ok ? outcome.costUsd : 0;
  events.emit({ type: 'tool_result', toolCallId, toolName: tool.name, toolId: tool.id, result, success: outcome.ok, ...context.ref });
  if (outcome.ok) {
    for (const source of outcome.sources ?? []) events.emit({ type: 'source', toolCallId, toolName: tool.name, ...source, ...context.ref });
    for (const artifact of outcome.artifacts ?? []) emitArtifact(artifact, toolCallId, context);
    (outcome.media ?? []).forEach((part, mediaIndex) =>
      events.emit({ type: 'media', toolCallId, toolName: tool.name, mediaIndex, part, ...context.ref }),
    );
  }
  events.emit({
    type: 'tool_complete',
    toolCallId,
    toolName: tool.name,
    toolType: tool.toolType,
    toolId: tool.id,
    success: outcome.ok,
    result,
    ...(outcome.ok ? {} : { error: outcome.error.message }),
    durationMs,
    costUsd,
    ...(outcome.logs?.length ? { logs: outcome.logs } : {}),
    ...context.ref,
  });
  return {
    result,
    logs: outcome.logs,
    record: {
      toolCallId,
      toolName: tool.name,
      toolType: tool.toolType,
      success: outcome.ok,
      durationMs,
      costUsd,
      ...(outcome.ok && outcome.childExecutionId ? { childExecutionId: outcome.childExecutionId } : {}),
    },
  };
}

/** An artifact as Runtype streams it: opened, its markdown in pieces (or its component's props), closed. */
function emitArtifact(artifact: ToolArtifact, toolCallId: string, context: StepContext): void {
  const { events } = context.deps;
  const artifactId = artifact.id;
  const component = artifact.component ? { component: artifact.component } : {};
  events.emit({
    type: 'artifact_start',
    artifactId,
    artifactType: artifact.artifactType,
    title: artifact.title,
    ...component,
    toolCallId,
    ...context.ref,
  });
  const content = artifact.content ?? '';
  for (let offset = 0; offset < content.length; offset += 400) {
    events.emit({ type: 'artifact_delta', artifactId, delta: content.slice(offset, offset + 400), ...context.ref });
  }
  if (artifact.component) {
    events.emit({ type: 'artifact_update', artifactId, component: artifact.component, props: artifact.props ?? {}, ...context.ref });
  }
  events.emit({ type: 'artifact_complete', artifactId, ...context.ref });
}
