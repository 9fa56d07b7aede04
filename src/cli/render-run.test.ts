import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UnifiedEvent } from '@flowrun/client';
import { renderRun } from './render-run.js';
import type { Terminal } from './terminal.js';

function plainTerminal(): Terminal & { text: string } {
  const same = (text: string) => text;
  const terminal = {
    tty: false,
    text: '',
    bold: same,
    dim: same,
    green: same,
    red: same,
    yellow: same,
    write: (text: string) => void (terminal.text += text),
    spin: () => ({ stop: () => undefined }),
  };
  return terminal;
}

async function* stream(events: Array<Record<string, unknown>>): AsyncIterable<UnifiedEvent> {
  for (const event of events) yield event as UnifiedEvent;
}

test("a run's warnings (carried by the next frame) are printed on their own line before it, with the name probably meant", async () => {
  const terminal = plainTerminal();
  const rendered = await renderRun(
    stream([
      { type: 'execution_start', executionId: 'exec_1', flowName: 'Greeter' },
      { type: 'step_start', name: 'Greet', stepType: 'prompt' },
      {
        type: 'step_complete',
        name: 'Greet',
        durationMs: 10,
        success: true,
        warnings: [
          {
            code: 'UNRESOLVED_VARIABLE',
            message: "step 'Greet' uses {{nmae}}, which is not set; it rendered as nothing (did you mean 'name'?)",
          },
        ],
      },
      { type: 'execution_complete', durationMs: 12 },
    ]),
    terminal,
  );
  assert.equal(rendered.status, 'completed');
  assert.match(
    terminal.text,
    /\n⚠ step 'Greet' uses \{\{nmae\}\}, which is not set; it rendered as nothing \(did you mean 'name'\?\)\n✔ Greet/,
  );
});
