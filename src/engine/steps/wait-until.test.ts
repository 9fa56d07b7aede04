import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowrunError } from '../../protocol/errors.js';
import type { ToolOutcome } from '../ports.js';
import { runFlow, type RunOutcome } from '../run-flow.js';
import { fixedClock, resumeAfter, scriptedTools, testEngine, testRequest } from '../testing.js';

const signal = () => new AbortController().signal;

function refusal(config: Record<string, unknown>): { path: string; message: string } | undefined {
  try {
    testRequest([{ id: 'w', name: 'w', type: 'wait-until', config }]);
  } catch (error) {
    assert.ok(FlowrunError.isInstance(error), String(error));
    assert.equal(error.code, 'VALIDATION_ERROR');
    return { path: error.details?.[0]?.path ?? '', message: error.details?.[0]?.message ?? '' };
  }
  return undefined;
}

test('wait-until config: one of delayMs, until or condition, with bounds, refused with the field path', () => {
  assert.equal(refusal({ delayMs: 1000 }), undefined);
  assert.equal(refusal({ until: '2026-11-22T13:00:00Z' }), undefined);
  assert.equal(refusal({ condition: { type: 'http', url: 'http://x.test/' }, pollIntervalMs: 1000, maxAttempts: 3 }), undefined);
  assert.match(refusal({})!.path, /config\.delayMs$/);
  assert.match(refusal({ delayMs: 5, condition: { type: 'http', url: 'http://x.test/' } })!.path, /config\.condition$/);
  assert.match(refusal({ delayMs: 31 * 24 * 3600_000 })!.path, /config\.delayMs$/);
  assert.match(refusal({ condition: { type: 'http', url: 'http://x.test/' }, pollIntervalMs: 10 })!.path, /config\.pollIntervalMs$/);
  assert.match(
    refusal({ condition: { type: 'http', url: 'http://x.test/' }, intervalMs: 2000, pollIntervalMs: 3000 })!.path,
    /intervalMs$/,
  );
  assert.match(refusal({ condition: { type: 'sql', url: 'x' } })!.path, /config\.condition\.type$/);
  assert.match(refusal({ delayMs: 1000, maxAttempts: 3 })!.path, /config\.maxAttempts$/);
  assert.match(refusal({ until: 'tomorrow' })!.path, /config\.until$/);
});

test('a wait-until among the steps of a loop is refused before the run (a pass cannot pause)', () => {
  assert.throws(
    () =>
      testRequest([
        {
          id: 'l',
          name: 'l',
          type: 'loop',
          config: { items: [1], steps: [{ id: 'w', name: 'w', type: 'wait-until', config: { delayMs: 10 } }] },
        },
      ]),
    (error: unknown) => FlowrunError.isInstance(error) && /config\.steps\[0\]\.type$/.test(error.details?.[0]?.path ?? ''),
  );
});

/** Runs the step again as a continued run does once its wait approval has timed out. */
function wake(deps: ReturnType<typeof testEngine>, steps: unknown[], paused: RunOutcome): Promise<RunOutcome> {
  const approval = paused.pause!.approvals[0]!;
  return runFlow(
    deps,
    {
      ...testRequest(steps),
      resume: {
        ...resumeAfter(),
        pausedStepId: paused.pause!.stepId,
        approvals: [approval],
        decisions: { [approval.approvalId]: { decision: 'timeout', resolvedBy: 'system' } },
      },
    },
    signal(),
  );
}

test('a delay pauses with a hidden wait (no approval_required) and completes when woken', async () => {
  const clock = fixedClock();
  const deps = testEngine({ clock });
  const steps = [{ id: 'w', name: 'w', type: 'wait-until', config: { delayMs: 2000 } }];
  const paused = await runFlow(deps, testRequest(steps), signal());
  assert.equal(paused.status, 'paused');
  const approval = paused.pause!.approvals[0]!;
  assert.equal(approval.kind, 'wait');
  assert.equal(approval.timeoutMs, 2000);
  assert.ok(!deps.events.events.some((event) => event.type === 'approval_required'));
  const pause = deps.events.events.find((event) => event.type === 'flow_paused');
  assert.equal(pause?.type === 'flow_paused' && pause.reason, 'wait');
  clock.advance(2000);
  const woken = await wake(deps, steps, paused);
  assert.equal(woken.status, 'completed', JSON.stringify(woken.error));
  assert.deepEqual(woken.output.w, { wokeAt: new Date(clock.now()).toISOString(), attempts: 0 });
  assert.ok(!deps.events.events.some((event) => event.type === 'approval_complete'));
});

test('a poll checks at once, pauses until the next check while not ready, and fails with WAIT_TIMEOUT at maxAttempts', async () => {
  let answers = 0;
  const http = (): ToolOutcome =>
    ++answers < 3
      ? { ok: false, error: { code: 'HTTP_STATUS', message: 'GET x.test answered 404' } }
      : { ok: true, result: { status: 'ready' }, costUsd: 0 };
  const clock = fixedClock();
  const deps = testEngine({ clock, tools: scriptedTools({ http }) });
  const steps = [
    {
      id: 'w',
      name: 'w',
      type: 'wait-until',
      config: { condition: { type: 'http', url: 'http://x.test/', path: 'status', equals: 'ready' }, intervalMs: 1000, maxAttempts: 3 },
    },
  ];
  let outcome = await runFlow(deps, testRequest(steps), signal());
  assert.equal(outcome.pause!.approvals[0]!.timeoutMs, 1000);
  clock.advance(1000);
  outcome = await wake(deps, steps, outcome);
  assert.equal(outcome.status, 'paused');
  assert.equal((outcome.pause!.approvals[0]!.parameters as { attempts: number }).attempts, 2);
  clock.advance(1000);
  outcome = await wake(deps, steps, outcome);
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(outcome.output.w, { wokeAt: new Date(clock.now()).toISOString(), attempts: 3, response: { status: 'ready' } });

  answers = -100;
  let failing = await runFlow(deps, testRequest(steps), signal());
  for (let wakes = 0; failing.status === 'paused' && wakes < 5; wakes++) failing = await wake(deps, steps, failing);
  assert.equal(failing.status, 'failed');
  assert.equal(failing.error?.code, 'WAIT_TIMEOUT');
});

test('a poll whose request cannot be sent at all (SSRF refused) fails at once, not after its attempts', async () => {
  const http = (): ToolOutcome => ({ ok: false, error: { code: 'SSRF_BLOCKED', message: 'a private address' } });
  const deps = testEngine({ tools: scriptedTools({ http }) });
  const outcome = await runFlow(
    deps,
    testRequest([{ id: 'w', name: 'w', type: 'wait-until', config: { condition: { type: 'http', url: 'http://10.0.0.1/' } } }]),
    signal(),
  );
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.error?.code, 'SSRF_BLOCKED');
});
