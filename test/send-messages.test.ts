import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

// send-email against a real SMTP server (smtp-server) and send-text against a fake of Twilio's Messages API,
// both on 127.0.0.1 (allowed through the SSRF guard by FLOWRUN_SSRF_ALLOWLIST).
const mails: Array<{ from: string; to: string[]; raw: string }> = [];
const texts: Array<{ url: string; authorization: string; form: Record<string, string> }> = [];
let smtp: SMTPServer;
let twilio: Server;
let harness: Harness;
const secret = 'mail-secret-value-9917';

before(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push({ from, to: session.envelope.rcptTo.map((entry) => entry.address), raw: Buffer.concat(parts).toString('utf8') });
        callback();
      });
    },
  });
  // A client that drops its connection is no failure of the test server.
  smtp.on('error', () => undefined);
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  twilio = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      texts.push({ url: request.url ?? '', authorization: request.headers.authorization ?? '', form });
      const refused = form.To === '+15005550001';
      response.writeHead(refused ? 400 : 201, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          refused
            ? { code: 21211, message: "The 'To' number +15005550001 is not a valid phone number.", status: 400 }
            : { sid: `SM${texts.length}`, status: 'queued', to: form.To, from: form.From, body: form.Body, num_segments: '1' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => twilio.listen(0, '127.0.0.1', resolve));
  harness = await startHarness({
    FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1',
    FLOWRUN_SECRET_KEY: 'aa'.repeat(32),
    FLOWRUN_SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    FLOWRUN_EMAIL_FROM: 'Flowrun <flows@example.com>',
    FLOWRUN_EMAIL_FROM_ALLOWLIST: '@example.com',
    FLOWRUN_TWILIO_API_URL: `http://127.0.0.1:${(twilio.address() as AddressInfo).port}`,
    FLOWRUN_TWILIO_ACCOUNT_SID: 'AC0042',
    FLOWRUN_TWILIO_AUTH_TOKEN: 'twilio-token-0042',
    FLOWRUN_TWILIO_FROM: '+15550001111',
  });
  const created = await harness.request('/v1/secrets', {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'MAIL_TOKEN', value: secret }),
  });
  assert.equal(created.status, 201, await created.text());
});

after(async () => {
  await harness.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
  await new Promise<void>((resolve) => twilio.close(() => resolve()));
});

const messageSteps = [
  {
    id: 'mail',
    name: 'Mail',
    type: 'send-email',
    config: {
      from: 'Reports <reports@example.com>',
      to: '{{lead.email}}',
      subject: 'Report for {{lead.name}}',
      text: 'Hello {{lead.name}}, your token is {{secret:MAIL_TOKEN}}.',
      html: '<p>Hello {{lead.name}}</p>',
      outputVariable: 'mailed',
    },
  },
  {
    id: 'sms',
    name: 'SMS',
    type: 'send-text',
    config: { to: '{{lead.phone}}', message: 'Code {{secret:MAIL_TOKEN}}', outputVariable: 'texted' },
  },
];
const inputs = { lead: { name: 'Ada', email: 'ada@example.org', phone: '+14155550123' } };

test('send-email and send-text deliver rendered messages with a managed secret that no stream, event or stored output holds', async () => {
  mails.length = 0;
  texts.length = 0;
  const response = await harness.dispatch({ flow: { name: 'notify', steps: messageSteps }, inputs }, { query: 'events=unified' });
  const stream = await response.text();
  assert.equal(response.status, 200);
  assert.equal(mails.length, 1, stream);
  assert.equal(mails[0]!.from, 'reports@example.com');
  assert.deepEqual(mails[0]!.to, ['ada@example.org']);
  assert.match(mails[0]!.raw, /^From: Reports <reports@example\.com>$/m);
  assert.match(mails[0]!.raw, /^To: ada@example\.org$/m);
  assert.match(mails[0]!.raw, /^Subject: Report for Ada$/m);
  assert.match(mails[0]!.raw.replace(/=\r?\n/g, ''), new RegExp(`your token is ${secret}\\.`));
  assert.deepEqual(texts.length, 1);
  assert.equal(texts[0]!.url, '/2010-04-01/Accounts/AC0042/Messages.json');
  assert.equal(texts[0]!.authorization, `Basic ${Buffer.from('AC0042:twilio-token-0042').toString('base64')}`);
  assert.deepEqual(texts[0]!.form, { To: '+14155550123', From: '+15550001111', Body: `Code ${secret}` });
  assert.ok(!stream.includes(secret), 'the stream holds the secret');
  const executionId = /exec_[0-9A-Z]+/.exec(stream)?.[0] ?? '';
  const auth = { headers: { authorization: `Bearer ${harness.key}` } };
  const stored = await harness.request(`/v1/executions/${executionId}`, auth);
  const run = (await stored.json()) as { status: string; output?: Record<string, any>; result?: Record<string, any> };
  const text = JSON.stringify(run);
  assert.ok(!text.includes(secret), 'the stored run holds the secret');
  assert.match(text, /"accepted":\["ada@example\.org"\]/);
  assert.match(text, /"messageId":"SM1"/);
  const events = await (await harness.request(`/v1/executions/${executionId}/events`, auth)).text();
  assert.ok(!events.includes(secret), 'the stored events hold the secret');
  assert.match(events, /"messageId":"<[^"]+>"/);
});

test('both steps report step_start and step_complete in every dialect; Runtype frames validate', async () => {
  for (const dialect of ['runtype', 'unified', 'travrse']) {
    const frames = await readSse(
      await harness.dispatch(
        { flow: { name: 'notify', steps: messageSteps }, inputs, options: { streamResponse: true } },
        { query: `events=${dialect}` },
      ),
    );
    for (const id of ['mail', 'sms'])
      for (const name of ['step_start', 'step_complete'])
        assert.ok(
          frames.some((frame) => frame.event === name && JSON.stringify(frame.data).includes(`"${id}"`)),
          `${dialect}: no ${name} for ${id}: ${frames.map((frame) => frame.event).join(' ')}`,
        );
    if (dialect === 'runtype') for (const frame of frames) assert.equal(validateRuntypeFrame(frame.data), null);
  }
});

async function run(steps: unknown[], extra: Record<string, unknown> = {}) {
  const response = await harness.dispatch({ flow: { name: 'bad', steps }, options: { streamResponse: false }, ...extra });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

test('bad addresses: a literal is a 422 at its field; a rendered one, a refused sender or number fail the step with their codes', async () => {
  const literal = await run([{ id: 'm', name: 'M', type: 'send-email', config: { to: 'ada@example.org\r\nBcc: x@evil.com', text: 'x' } }]);
  assert.equal(literal.status, 422);
  assert.match(JSON.stringify(literal.body), /flow\.steps\[0\]\.config\.to/);
  const phone = await run([{ id: 't', name: 'T', type: 'send-text', config: { to: '555 0123', message: 'x' } }]);
  assert.equal(phone.status, 422);
  assert.match(JSON.stringify(phone.body), /flow\.steps\[0\]\.config\.to/);
  mails.length = 0;
  for (const [steps, code] of [
    [[{ id: 'm', name: 'M', type: 'send-email', config: { to: '{{who}}', text: 'x' } }], 'INVALID_ADDRESS'],
    [
      [{ id: 'm', name: 'M', type: 'send-email', config: { from: 'ceo@bank.com', to: 'a@example.org', text: 'x' } }],
      'EMAIL_FROM_NOT_ALLOWED',
    ],
    [[{ id: 'm', name: 'M', type: 'send-email', config: { to: 'a@example.org', text: '{{secret:NO_SUCH_KEY}}' } }], 'SECRET_NOT_FOUND'],
    [[{ id: 't', name: 'T', type: 'send-text', config: { to: '+15005550001', message: 'x' } }], 'TEXT_REJECTED'],
  ] as const) {
    const { body } = await run([...steps], { inputs: { who: 'not an address' } });
    assert.equal(body.status, 'failed', JSON.stringify(body));
    assert.equal(body.error?.code, code, JSON.stringify(body.error));
  }
  assert.equal(mails.length, 0);
});
