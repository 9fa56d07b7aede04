import { test } from 'node:test';
import assert from 'node:assert/strict';

const { createLogger } = (await import(new URL('../dist/main.js', import.meta.url).href)) as typeof import('../src/main.js');

test("a log line never carries a URL's userinfo or query values: in its message or in an error's message and stack", () => {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const url = 'postgres://flowrun:db-pass-123@10.0.0.5:5432/flowrun?sslpassword=ssl-pass-456';
  logger.warn(`could not reach ${url}`);
  logger.error({ err: new Error(`connect ECONNREFUSED ${url}`) }, 'store failed');
  logger.info({ headers: { authorization: 'Bearer tv_live_abcdef' } }, 'request');
  const written = lines.join('\n');
  assert.equal(lines.length, 3);
  for (const credential of ['db-pass-123', 'ssl-pass-456', 'tv_live_abcdef']) assert.ok(!written.includes(credential), written);
  assert.match(written, /10\.0\.0\.5:5432\/flowrun/);
});
