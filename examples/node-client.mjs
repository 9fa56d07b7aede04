// A Node script using the typed client: streams a two-step flow and prints its text as it arrives.
//   FLOWRUN_URL=http://127.0.0.1:8787 FLOWRUN_API_KEY=tv_test_… node examples/node-client.mjs "Ada Lovelace"
import { createFlowrunClient } from '@flowrun/client';

const flowrun = createFlowrunClient({
  baseUrl: process.env.FLOWRUN_URL ?? 'http://127.0.0.1:8787',
  apiKey: process.env.FLOWRUN_API_KEY,
});
const model = process.env.FLOWRUN_MODEL ?? 'flowrun/echo';

const run = flowrun.dispatch({
  record: { name: 'example', metadata: { person: process.argv[2] ?? 'Ada Lovelace' } },
  flow: {
    name: 'Biography',
    steps: [
      {
        id: 'facts',
        type: 'prompt',
        name: 'Facts',
        config: { model, userPrompt: 'Three facts about {{_record.metadata.person}}', outputVariable: 'facts' },
      },
      {
        id: 'poem',
        type: 'prompt',
        name: 'Poem',
        config: { model, userPrompt: 'A two-line poem from: {{facts}}', outputVariable: 'poem' },
      },
    ],
  },
});

for await (const event of run) {
  if (event.type === 'step_start') process.stdout.write(`\n## ${event.name}\n`);
  if (event.type === 'text_delta') process.stdout.write(String(event.delta));
}
const execution = await run.result();
console.log(
  `\n\n${execution.status} in ${execution.durationMs} ms, ${execution.usage?.inputTokens} + ${execution.usage?.outputTokens} tokens`,
);
