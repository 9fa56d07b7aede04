import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import { waitUntilLimits, type WaitHttpCondition } from '../../protocol/wait-until.js';
import type { StepContext, StepResult, StepRunner } from '../run-context.js';
import { lookupPath } from '../template.js';
import { PauseRun } from '../tool-loop-state.js';
import { send } from './http-steps.js';

/** What a wait carries from one wake to the next, in its hidden approval's parameters. */
interface WaitState {
  startedAt: number;
  attempts: number;
  wakeAt: string;
}

/** Answers that mean "not yet" rather than "this cannot work": the poll tries again. */
const notYetCodes = ['HTTP_STATUS', 'HTTP_SERVER_ERROR', 'HTTP_ERROR', 'HTTP_TIMEOUT'];

/**
 * `wait-until`: pauses the run until a time, or until an HTTP check holds. A waiting run holds nothing: it is a
 * paused run with one approval of kind `wait` that only the clock decides (the embedded sweep, or a delayed job
 * clustered, "times it out" at the wake-up time, once). Woken, the step completes (a delay) or checks its
 * condition and, not yet met, pauses again until the next check.
 */
export const runWaitUntil: StepRunner<StepOf<'wait-until'>> = async (step, context): Promise<StepResult> => {
  const now = context.deps.clock.now();
  const woken = context.resume?.approvals?.find((approval) => approval.kind === 'wait');
  const previous = woken?.parameters as WaitState | undefined;
  const wokeAt = new Date(now).toISOString();
  const config = step.config;
  if (!config.condition) {
    if (previous) return { result: { wokeAt, attempts: 0 }, unresolved: [] };
    const delay = config.delayMs ?? Date.parse(config.until!) - now;
    if (delay > waitUntilLimits.maxWaitMs)
      throw new FlowrunError('VALIDATION_ERROR', `wait-until '${step.name}': until is more than 30 days ahead`, [
        { code: 'INVALID_VALUE', path: `steps.${step.name}.config.until`, message: 'at most 30 days ahead' },
      ]);
    if (delay <= 0) return { result: { wokeAt, attempts: 0 }, unresolved: [] };
    return pause(step, context, delay, { startedAt: now, attempts: 0 });
  }
  const startedAt = previous?.startedAt ?? now;
  const attempts = (previous?.attempts ?? 0) + 1;
  const check = await checkCondition(config.condition, context);
  if (check.met) return { result: { wokeAt, attempts, response: check.response }, unresolved: check.unresolved ?? [] };
  const timeoutMs = config.timeoutMs ?? (config.maxAttempts ? waitUntilLimits.maxWaitMs : waitUntilLimits.defaultTimeoutMs);
  const remaining = startedAt + timeoutMs - now;
  if (attempts >= (config.maxAttempts ?? Infinity) || remaining <= 0)
    throw new FlowrunError(
      'WAIT_TIMEOUT',
      `wait-until '${step.name}': the condition did not hold after ${attempts} check${attempts === 1 ? '' : 's'}` +
        (remaining <= 0 ? ` (timeoutMs ${timeoutMs})` : ` (maxAttempts ${config.maxAttempts})`),
    );
  const interval = config.pollIntervalMs ?? config.intervalMs ?? waitUntilLimits.pollIntervalMs.default;
  return pause(step, context, Math.min(interval, remaining), { startedAt, attempts });
};

function pause(step: StepOf<'wait-until'>, context: StepContext, delayMs: number, state: Omit<WaitState, 'wakeAt'>): never {
  const wakeAt = new Date(context.deps.clock.now() + delayMs).toISOString();
  throw new PauseRun(
    step.id,
    null,
    [],
    [
      {
        approvalId: context.deps.ids.next('wait'),
        kind: 'wait',
        description: `wait-until '${step.name}' wakes at ${wakeAt}`,
        parameters: { ...state, wakeAt } satisfies WaitState,
        timeoutMs: delayMs,
        onDenied: 'fail',
      },
    ],
  );
}

/** One check: met when the request answers 2xx and, with `path`, the value there is truthy (or equals `equals`). */
async function checkCondition(
  condition: WaitHttpCondition,
  context: StepContext,
): Promise<{ met: boolean; response?: unknown; unresolved?: string[] }> {
  let answer;
  try {
    answer = await send({ url: condition.url, method: condition.method, headers: condition.headers, body: condition.body }, {}, context);
  } catch (error) {
    if (FlowrunError.isInstance(error) && notYetCodes.includes(error.code)) return { met: false };
    throw error;
  }
  const { result, unresolved } = answer;
  if (condition.path === undefined) return { met: true, response: result, unresolved };
  const value = lookupPath(result, condition.path);
  const met = condition.equals === undefined ? Boolean(value) : JSON.stringify(value) === JSON.stringify(condition.equals);
  return { met, response: result, unresolved };
}
