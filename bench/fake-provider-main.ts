// Starts the zero-latency fake model server (the one the tests use) and prints its URL.
import { startFakeProvider } from '../test/support/fake-provider.js';

const fake = await startFakeProvider();
fake.script(() => ({ chunks: ['Hello', ' from', ' the', ' fake', ' model.'], usage: { input: 12, output: 5 } }));
// Keep no request log: a long benchmark would grow it without bound.
setInterval(() => (fake.requests.length = 0), 1000).unref();
process.stdout.write(`${fake.url}\n`);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
