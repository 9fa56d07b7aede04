import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { runFlow } from '../../src/engine/run-flow.js';
import { testEngine, testRequest } from '../../src/engine/testing.js';
import type { EmailMessage, MessageSender } from '../../src/engine/ports.js';
import { FlowrunError } from '../../src/protocol/errors.js';
import { createAddressPolicy } from '../../src/tools/address-policy.js';
import { createMessageSender } from '../../src/tools/messaging/message-sender.js';

// send-email and send-text against header injection (CR, LF and their cousins in subject, to and from), recipient
// lists past the cap, and the SMTP host spelled as loopback every way the URL parser and the resolver accept: a
// TCP listener on 127.0.0.1 counts connections and must see none.
let connections = 0;
let listener: Server;
let port = 0;
before(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
});
after(() => new Promise((resolve) => listener.close(resolve)));

const breaks = ['\r\n', '\n', '\r', '\r\n\t', '\u0000', '\n.\n', '\r\nBcc: evil@evil.example\r\n'];
const injections = breaks.map((line) => `ada@example.org${line}Bcc: evil@evil.example`);

function validationPaths(steps: unknown[]): string[] {
  try {
    testRequest(steps);
    return [];
  } catch (error) {
    return ((error as { details?: Array<{ path: string }> }).details ?? []).map((detail) => detail.path);
  }
}

const sent: EmailMessage[] = [];
const recording: MessageSender = {
  async sendEmail(message) {
    sent.push(message);
    return { messageId: '<x@y>', from: 'f@example.com', accepted: message.to, rejected: [] };
  },
  async sendText(message) {
    return { messageId: 'SM', status: 'queued', from: '+15550001111', to: message.to };
  },
};

test('a line break in a literal subject, to or from is a 422 at its field; rendered, it fails the step and nothing is sent', async () => {
  let cases = 0;
  for (const injected of injections) {
    for (const [field, config] of [
      ['to', { to: injected, text: 'x' }],
      ['to[0]', { to: [injected], text: 'x' }],
      ['from', { from: injected, to: 'a@example.org', text: 'x' }],
      ['subject', { subject: `Hi${injected}`, to: 'a@example.org', text: 'x' }],
    ] as const) {
      cases++;
      const paths = validationPaths([{ id: 'm', name: 'M', type: 'send-email', config }]);
      assert.ok(paths.includes(`flow.steps[0].config.${field}`), `${JSON.stringify(config)}: ${paths.join(', ')}`);
    }
    for (const config of [
      { to: '{{v}}', text: 'x' },
      { from: '{{v}}', to: 'a@example.org', text: 'x' },
      { subject: 'Hi {{v}}', to: 'a@example.org', text: 'x' },
    ]) {
      cases++;
      const outcome = await runFlow(
        testEngine({ messages: recording }),
        testRequest([{ id: 'm', name: 'M', type: 'send-email', config }], { inputs: { v: injected } }),
        new AbortController().signal,
      );
      assert.ok(
        ['INVALID_ADDRESS', 'INVALID_VALUE'].includes(outcome.error?.code ?? ''),
        `${JSON.stringify(config)}: ${outcome.error?.code}`,
      );
    }
  }
  assert.equal(sent.length, 0);
  console.log(`# attack messages: ${cases} header injections refused, ${sent.length} sent`);
});

test('recipient lists past the cap are refused, literal and rendered, whatever their shape', async () => {
  const many = (count: number) => Array.from({ length: count }, (_, index) => `r${index}@example.org`);
  for (const to of [many(51), many(1000).join(','), many(51).join(', '), `${many(50).join(',')},x@example.org`])
    assert.deepEqual(validationPaths([{ id: 'm', name: 'M', type: 'send-email', config: { to, text: 'x' } }]), ['flow.steps[0].config.to']);
  for (const rendered of [many(51).join(','), many(5000).join(',')]) {
    const outcome = await runFlow(
      testEngine({ messages: recording }),
      testRequest([{ id: 'm', name: 'M', type: 'send-email', config: { to: '{{v}}', text: 'x' } }], { inputs: { v: rendered } }),
      new AbortController().signal,
    );
    assert.equal(outcome.error?.code, 'INVALID_VALUE');
  }
  assert.equal(sent.length, 0);
});

const loopbackHosts = [
  '127.0.0.1',
  '127.1',
  '127.0.1',
  '2130706433',
  '0x7f000001',
  '0x7f.0.0.1',
  '0177.0.0.1',
  '017700000001',
  '127.0.0.1.',
  '0.0.0.0',
  '0',
  '[::1]',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[64:ff9b::127.0.0.1]',
  '[2002:7f00:1::1]',
  'localhost',
  'LOCALHOST',
  'localhost.',
];

test('the SMTP host spelled as loopback, any way, is refused by the SSRF guard before a connection', async () => {
  let refused = 0;
  for (const host of loopbackHosts) {
    for (const scheme of ['smtp', 'smtps']) {
      const sender = createMessageSender(
        {
          email: { smtpUrl: `${scheme}://user:pass@${host}:${port}`, defaultFrom: 'f@example.com', fromAllowlist: [], timeoutMs: 2000 },
          text: { apiUrl: 'https://api.twilio.com', timeoutMs: 2000 },
        },
        createAddressPolicy([]),
      );
      try {
        await sender.sendEmail({ to: ['a@example.org'], subject: 's', text: 'x' }, new AbortController().signal);
        assert.fail(`${scheme}://${host} was sent to`);
      } catch (error) {
        assert.ok(FlowrunError.isInstance(error), String(error));
        // A name the resolver does not know is no connection either; every address it knows is refused.
        assert.ok(['SSRF_BLOCKED', 'EMAIL_SEND_FAILED'].includes(error.code), `${host}: ${error.code} ${error.message}`);
        if (error.code === 'SSRF_BLOCKED') refused++;
      }
    }
  }
  assert.equal(connections, 0, 'no connection reached the loopback listener');
  assert.ok(refused >= loopbackHosts.length, `${refused} refused by the guard`);
  console.log(
    `# attack messages: ${loopbackHosts.length * 2} loopback SMTP hosts, ${refused} refused by the guard, ${connections} connected`,
  );
});
