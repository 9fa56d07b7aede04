import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../src/main.js';
import { startHarness } from './support/harness.js';

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
    const db = await openDatabase({ databaseFile: join(harness.dataDir, 'flowrun.sqlite') });
    try {
      // As if the server had died while continuing `stuck` five times in a row at the same point, and once in `fresh`.
      await db
        .updateTable('executions')
        .set({ status: 'running', recovery_attempts: 5, recovery_progress: '1:2' })
        .where('id', '=', stuck)
        .execute();
      await db.updateTable('executions').set({ status: 'running' }).where('id', '=', fresh).execute();
    } finally {
      await db.destroy();
    }
    harness = await harness.restart();
    const statusOf = async (id: string) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const execution = (await (
          await fetch(`${harness.baseUrl}/v1/executions/${id}`, { headers: { authorization: `Bearer ${harness.key}` } })
        ).json()) as { status: string; error?: { code: string } | null };
        if (execution.status !== 'running' && execution.status !== 'queued') return execution;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`${id} is still running`);
    };
    const failed = await statusOf(stuck);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'RECOVERY_FAILED');
    assert.equal((await statusOf(fresh)).status, 'completed');
  } finally {
    await harness.close();
  }
});
