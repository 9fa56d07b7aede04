// Starts the zero-latency fake model server (the one the tests use) and prints its URL. A request whose last
// user message contains "[tools:N]" gets a tool call of `inc` until N tool results are in the conversation.
import { startFakeProvider } from '../test/support/fake-provider.js';
import { toolResultsIn } from '../test/support/fake-scripts.js';

const fake = await startFakeProvider();
fake.script((request) => {
  const wanted = /\[tools:(\d+)\]/.exec(request.lastUserText);
  const done = toolResultsIn(request).length;
  if (wanted && done < Number(wanted[1]))
    return { toolCalls: [{ id: `call_${done}`, name: 'inc', arguments: JSON.stringify({ n: done }) }], usage: { input: 12, output: 5 } };
  return { chunks: ['Hello', ' from', ' the', ' fake', ' model.'], usage: { input: 12, output: 5 } };
});
// Keep no request log: a long benchmark would grow it without bound.
setInterval(() => (fake.requests.length = 0), 1000).unref();
process.stdout.write(`${fake.url}\n`);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
