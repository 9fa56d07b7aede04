import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/config.js';
import { readSse, startHarness } from './support/harness.js';
import { waitFor } from './support/wait-for.js';

test('a run interrupted again and again without progress is failed with RECOVERY_FAILED, not continued forever', async () => {
  let harness = await startHarness();
  try {
    const run = async () => {
      const response = await harness.dispatch({
        flow: { name: 'r', steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'hi' } }] },
        options: { streamResponse: false },
      });
      return ((await response.json()) as { executionId: string }).executionId;
    };
    const stuck = await run();
    const fresh = await run();
    const db = await openDatabase(harness.config);
    try {
      // As if the server had died while continuing `stuck` five times in a row at the same point, and once in `fresh`.
      await db
        .updateTable('executions')
        .set({ status: 'running', recovery_attempts: 5, recovery_progress: '1:2' })
        .where('id', '=', stuck)
        .execute();
      // `fresh` died after its last step committed and before its end: recovery must still end it with its output.
      await db.updateTable('executions').set({ status: 'running', final_output: null }).where('id', '=', fresh).execute();
    } finally {
      await db.destroy();
    }
    harness = await harness.restart();
    const statusOf = (id: string) =>
      waitFor(async () => {
        const execution = (await (
          await fetch(`${harness.baseUrl}/v1/executions/${id}`, { headers: { authorization: `Bearer ${harness.key}` } })
        ).json()) as { status: string; error?: { code: string } | null };
        return execution.status !== 'running' && execution.status !== 'queued' && execution;
      }, `${id} ended by the recovery`);
    const failed = await statusOf(stuck);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'RECOVERY_FAILED');
    const recovered = (await statusOf(fresh)) as { status: string; finalOutput?: unknown };
    assert.equal(recovered.status, 'completed');
    assert.equal(recovered.finalOutput, 'hi', 'the final output of a step committed before the crash');
  } finally {
    await harness.close();
  }
});

test('a run still queued when the server died starts after the restart with its start event, exactly once', async () => {
  let harness = await startHarness();
  try {
    const dispatched = await harness.dispatch({
      flow: { name: 'queued', steps: [{ id: 'v', name: 'V', type: 'set-variable', config: { variableName: 'x', value: 1 } }] },
      options: { streamResponse: false },
    });
    const { executionId } = (await dispatched.json()) as { executionId: string };
    const db = await openDatabase(harness.config);
    try {
      // As if the server had died with the run still queued: nothing of it stored but its row.
      await db.deleteFrom('execution_events').where('execution_id', '=', executionId).execute();
      await db.deleteFrom('execution_steps').where('execution_id', '=', executionId).execute();
      await db
        .updateTable('executions')
        .set({ status: 'queued', last_seq: 0, started_at: null, completed_at: null })
        .where('id', '=', executionId)
        .execute();
    } finally {
      await db.destroy();
    }
    harness = await harness.restart();
    await waitFor(async () => {
      const execution = (await (
        await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: { authorization: `Bearer ${harness.key}` } })
      ).json()) as { status: string };
      return execution.status === 'completed';
    }, 'the queued run completed after the restart');
    for (const [dialect, start] of [
      ['runtype', 'flow_start'],
      ['unified', 'execution_start'],
      ['travrse', 'flow_start'],
    ] as const) {
      const replay = await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events?events=${dialect}`, {
        headers: { authorization: `Bearer ${harness.key}` },
      });
      const events = await readSse(replay);
      assert.equal(events.filter((event) => event.event === start).length, 1, `${dialect}: one ${start}`);
      assert.equal(events[0]!.event, start, `${dialect}: the stream begins with ${start}`);
    }
  } finally {
    await harness.close();
  }
});
