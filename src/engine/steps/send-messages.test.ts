import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmailMessage, MessageSender, TextMessage } from '../ports.js';
import { runFlow } from '../run-flow.js';
import { testEngine, testRequest } from '../testing.js';

const signal = () => new AbortController().signal;

function recordingSender(): MessageSender & { emails: EmailMessage[]; texts: TextMessage[] } {
  const emails: EmailMessage[] = [];
  const texts: TextMessage[] = [];
  return {
    emails,
    texts,
    async sendEmail(message) {
      emails.push(message);
      return { messageId: '<m1@flowrun>', from: message.from ?? 'default@example.com', accepted: message.to, rejected: [] };
    },
    async sendText(message) {
      texts.push(message);
      return { messageId: 'SM1', status: 'queued', from: message.from ?? '+15550000000', to: message.to };
    },
  };
}

/** The paths of the 422's details for these steps (none when they validate). */
function paths(steps: unknown[]): string[] {
  try {
    testRequest(steps);
    return [];
  } catch (error) {
    return ((error as { details?: Array<{ path: string }> }).details ?? []).map((detail) => detail.path);
  }
}

const email = (config: Record<string, unknown>) => [{ id: 'e', name: 'Mail', type: 'send-email', config }];
const text = (config: Record<string, unknown>) => [{ id: 't', name: 'Text', type: 'send-text', config }];

test('send-email renders its fields, splits recipients and answers with the receipt', async () => {
  const messages = recordingSender();
  const deps = testEngine({ messages });
  const outcome = await runFlow(
    deps,
    testRequest(
      email({
        from: 'Flows <flows@example.com>',
        to: '{{lead.email}}, ops@example.com',
        subject: 'Hello {{lead.name}}',
        html: '<p>Hi {{lead.name}}</p>',
        text: 'Hi {{lead.name}}',
        outputVariable: 'sent',
      }),
      { inputs: { lead: { name: 'Ada', email: 'ada@example.com' } } },
    ),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(messages.emails, [
    {
      from: 'Flows <flows@example.com>',
      to: ['ada@example.com', 'ops@example.com'],
      subject: 'Hello Ada',
      html: '<p>Hi Ada</p>',
      text: 'Hi Ada',
    },
  ]);
  assert.deepEqual(outcome.output.sent, {
    messageId: '<m1@flowrun>',
    from: 'Flows <flows@example.com>',
    accepted: ['ada@example.com', 'ops@example.com'],
    rejected: [],
  });
  assert.deepEqual(
    deps.events.types().filter((type) => type.startsWith('step_')),
    ['step_start', 'step_complete'],
  );
});

test('send-email literals are checked with field paths: addresses, a line break in the subject, no body, too many recipients', () => {
  assert.deepEqual(paths(email({ to: 'not-an-address', text: 'x' })), ['flow.steps[0].config.to']);
  assert.deepEqual(paths(email({ to: ['a@example.com', 'b@example'], text: 'x' })), ['flow.steps[0].config.to[1]']);
  assert.deepEqual(paths(email({ to: 'a@example.com', from: 'me', text: 'x' })), ['flow.steps[0].config.from']);
  assert.deepEqual(paths(email({ to: 'a@example.com\r\nBcc: evil@example.com', text: 'x' })), ['flow.steps[0].config.to']);
  assert.deepEqual(paths(email({ to: 'a@example.com', subject: 'Hi\r\nBcc: evil@example.com', text: 'x' })), [
    'flow.steps[0].config.subject',
  ]);
  assert.deepEqual(paths(email({ to: 'a@example.com' })), ['flow.steps[0].config.html']);
  const many = Array.from({ length: 51 }, (_, index) => `r${index}@example.com`);
  assert.deepEqual(paths(email({ to: many, text: 'x' })), ['flow.steps[0].config.to']);
  assert.deepEqual(paths(email({ to: many.join(','), text: 'x' })), ['flow.steps[0].config.to']);
  assert.deepEqual(paths(email({ to: '{{who}}', from: '{{sender}}', text: 'x' })), []);
});

test('a send-email template that renders to a bad address or a second subject line fails the step before sending', async () => {
  for (const [inputs, code, field] of [
    [{ who: 'nobody' }, 'INVALID_ADDRESS', 'config.to'],
    [{ who: 'a@example.com\r\nBcc: evil@example.com' }, 'INVALID_ADDRESS', 'config.to'],
    [{ who: '' }, 'INVALID_ADDRESS', 'config.to'],
    [{ who: 'a@example.com', line: 'x\r\nBcc: evil@example.com' }, 'INVALID_VALUE', 'config.subject'],
    [{ who: Array.from({ length: 51 }, (_, index) => `r${index}@example.com`).join(',') }, 'INVALID_VALUE', 'config.to'],
  ] as const) {
    const messages = recordingSender();
    const outcome = await runFlow(
      testEngine({ messages }),
      testRequest(email({ to: '{{who}}', subject: 'Hi {{line}}', text: 'x' }), { inputs }),
      signal(),
    );
    assert.equal(outcome.error?.code, code, JSON.stringify(inputs));
    assert.match(outcome.error?.message ?? '', new RegExp(field.replace('.', '\\.')));
    assert.equal(messages.emails.length, 0);
  }
});

test('without a message sender the steps fail as not configured', async () => {
  const mail = await runFlow(testEngine(), testRequest(email({ to: 'a@example.com', text: 'x' })), signal());
  assert.equal(mail.error?.code, 'EMAIL_NOT_CONFIGURED');
  const sms = await runFlow(testEngine(), testRequest(text({ to: '+14155550123', message: 'x' })), signal());
  assert.equal(sms.error?.code, 'TEXT_NOT_CONFIGURED');
});

test('send-text renders its fields and checks numbers (E.164) and length, literal and rendered', async () => {
  const messages = recordingSender();
  const outcome = await runFlow(
    testEngine({ messages }),
    testRequest(text({ to: '{{phone}}', message: 'Your code is {{code}}', outputVariable: 'sms' }), {
      inputs: { phone: '+14155550123', code: '4242' },
    }),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(messages.texts, [{ to: '+14155550123', body: 'Your code is 4242' }]);
  assert.equal((outcome.output.sms as { messageId: string }).messageId, 'SM1');
  assert.deepEqual(paths(text({ to: '4155550123', message: 'x' })), ['flow.steps[0].config.to']);
  assert.deepEqual(paths(text({ to: '+14155550123', from: 'ACME', message: 'x' })), ['flow.steps[0].config.from']);
  assert.deepEqual(paths(text({ to: '+14155550123', message: 'x'.repeat(1601) })), ['flow.steps[0].config.message']);
  assert.deepEqual(paths(text({ to: '+14155550123' })), ['flow.steps[0].config.message']);
  for (const [inputs, code] of [
    [{ phone: '555-0123', code: '1' }, 'INVALID_ADDRESS'],
    [{ phone: '+14155550123', code: 'x'.repeat(1600) }, 'PAYLOAD_TOO_LARGE'],
  ] as const) {
    const failed = await runFlow(
      testEngine({ messages: recordingSender() }),
      testRequest(text({ to: '{{phone}}', message: 'Code {{code}}' }), { inputs }),
      signal(),
    );
    assert.equal(failed.error?.code, code);
  }
});

test('an address that renders from a secret is not quoted in the error', async () => {
  const outcome = await runFlow(
    testEngine({ messages: recordingSender() }),
    testRequest(email({ to: '{{secret:WHO}}', text: 'x' }), { secrets: { 'secret:WHO': 'not "an" address\\' } }),
    signal(),
  );
  assert.equal(outcome.error?.code, 'INVALID_ADDRESS');
  assert.match(outcome.error?.message ?? '', /a value that holds a secret/);
  assert.doesNotMatch(outcome.error?.message ?? '', /not \\?"an/);
});
