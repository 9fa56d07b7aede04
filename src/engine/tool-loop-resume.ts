import { FlowrunError } from '../protocol/errors.js';
import type { ResolvedTool } from './ports.js';
import type { ResumeState, StepContext } from './run-context.js';
import { runToolWithEvents } from './run-tool.js';
import type { LoopState, PendingApproval, SettledToolCall } from './tool-loop-state.js';

export interface ResumeToolLoopOptions {
  /** The loop's state as the pause stored it; updated in place. */
  state: LoopState;
  resume: ResumeState;
  tools: Map<string, ResolvedTool>;
  context: StepContext;
}

/**
 * Continues a paused loop: the client's outputs join the results of the server calls of the paused turn;
 * approved calls run now, denied (and timed-out) ones get a refusal the model is told about.
 */
export async function resumeToolLoop({ state, resume, tools, context }: ResumeToolLoopOptions): Promise<void> {
  const answers: SettledToolCall[] = resume.pending.map((call) => ({
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    output: resume.toolOutputs[call.toolCallId] ?? null,
    isError: false,
  }));
  for (const approval of resume.approvals ?? []) {
    if (approval.kind !== 'tool' || !approval.toolCallId) continue;
    answers.push(await decidedCall({ state, approval, decided: resume.decisions?.[approval.approvalId], tools, context }));
  }
  if (answers.length > 0 || state.settled.length > 0) state.messages.push({ role: 'tool', results: [...state.settled, ...answers] });
  for (const call of resume.pending)
    state.records.push({
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      toolType: 'local',
      success: true,
      durationMs: 0,
      costUsd: 0,
    });
  state.settled = [];
  if (resume.messages.length > 0) state.messages.push(...resume.messages);
}

interface DecidedCallOptions {
  state: LoopState;
  approval: PendingApproval;
  /** The approver's decision; none is a denial. */
  decided: NonNullable<ResumeState['decisions']>[string] | undefined;
  tools: Map<string, ResolvedTool>;
  context: StepContext;
}

/** The result of a call that waited for approval: run now if approved, else a refusal (or a step failure, if configured). */
async function decidedCall({ state, approval, decided, tools, context }: DecidedCallOptions): Promise<SettledToolCall> {
  const toolCallId = approval.toolCallId!;
  const tool = tools.get(approval.toolName ?? '');
  if (decided?.decision === 'approved' && tool) {
    const run = await runToolWithEvents(tool, approval.parameters ?? {}, toolCallId, context);
    state.records.push(run.record);
    return { toolCallId, toolName: tool.name, output: run.result, isError: !run.record.success };
  }
  const why =
    decided?.decision === 'timeout'
      ? 'no one approved it in time'
      : `the approver denied it${decided?.reason ? `: ${decided.reason}` : ''}`;
  if (approval.onDenied === 'fail') {
    const code = decided?.decision === 'timeout' ? 'APPROVAL_TIMEOUT' : 'APPROVAL_DENIED';
    throw new FlowrunError(code, `tool '${approval.toolName}' was not approved: ${why}`);
  }
  state.records.push({
    toolCallId,
    toolName: approval.toolName ?? 'tool',
    toolType: approval.toolType ?? 'unknown',
    success: false,
    durationMs: 0,
    costUsd: 0,
  });
  return { toolCallId, toolName: approval.toolName ?? 'tool', output: { error: `This tool call was not run: ${why}.` }, isError: true };
}
