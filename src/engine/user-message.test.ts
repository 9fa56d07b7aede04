import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userMessageVariables } from './user-message.js';

test("userMessage and user_message are the text of the request's last user message", () => {
  assert.deepEqual(
    userMessageVariables([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'answer' },
      { role: 'user', content: 'Look up the React documentation' },
    ]),
    { userMessage: 'Look up the React documentation', user_message: 'Look up the React documentation' },
  );
  const parts = userMessageVariables([
    {
      role: 'user',
      content: [
        { type: 'image', image: 'https://example.com/a.png' },
        { type: 'text', text: 'Describe it' },
      ],
    },
  ]);
  assert.equal(parts.userMessage, 'Describe it', 'only the text parts of a message with an image');
});

test('without a user message the names stay unset, so a template using them reports them unresolved', () => {
  assert.deepEqual(userMessageVariables([]), {});
  assert.deepEqual(userMessageVariables([{ role: 'assistant', content: 'hi' }]), {});
});
