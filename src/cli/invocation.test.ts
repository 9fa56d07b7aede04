import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliCommand } from './invocation.js';

test('the CLI names itself as it can be run where it runs: a clone, a dependency, or on the PATH', () => {
  assert.equal(cliCommand('/home/ada/flowrun/dist/cli/index.js', '/home/ada/flowrun'), 'node dist/cli/index.js');
  assert.equal(cliCommand('/home/ada/app/node_modules/flowrun/dist/cli/index.js', '/home/ada/app'), 'npx flowrun');
  assert.equal(cliCommand('/home/ada/app/node_modules/.bin/flowrun', '/home/ada/app'), 'npx flowrun');
  assert.equal(cliCommand('/usr/local/bin/flowrun', '/home/ada'), 'flowrun');
  assert.equal(cliCommand('/opt/flowrun/dist/cli/index.js', '/home/ada'), 'node /opt/flowrun/dist/cli/index.js');
});
