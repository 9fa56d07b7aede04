import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { FlowrunError } from '../../protocol/errors.js';
import { createAddressPolicy } from '../address-policy.js';
import { checkEmailSettings, isAllowedSender, type EmailSettings } from './email-settings.js';
import { createMessageSender, type MessagingSettings } from './message-sender.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
  user?: string;
  password?: string;
}

const received: Received[] = [];
let smtp: SMTPServer;
let smtpPort = 0;
const twilioSeen: Array<{ url: string; authorization: string; body: string; type: string }> = [];
let twilioAnswer: { status: number; body: unknown } = { status: 201, body: {} };
let twilio: Server;
let twilioUrl = '';

before(async () => {
  let session: { user?: string; password?: string } = {};
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      session = { user: auth.username ?? undefined, password: auth.password ?? undefined };
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bounce')) return callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
      callback();
    },
    onData(stream, current, callback) {
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('end', () => {
        received.push({
          from: current.envelope.mailFrom ? current.envelope.mailFrom.address : '',
          to: current.envelope.rcptTo.map((entry) => entry.address),
          raw: Buffer.concat(parts).toString('utf8'),
          ...session,
        });
        callback();
      });
    },
  });
  // A client that drops its connection is no failure of the test server.
  smtp.on('error', () => undefined);
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  twilio = createServer((request: IncomingMessage, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      twilioSeen.push({
        url: request.url ?? '',
        authorization: request.headers.authorization ?? '',
        type: request.headers['content-type'] ?? '',
        body: Buffer.concat(parts).toString('utf8'),
      });
      response.writeHead(twilioAnswer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(twilioAnswer.body));
    });
  });
  await new Promise<void>((resolve) => twilio.listen(0, '127.0.0.1', resolve));
  twilioUrl = `http://127.0.0.1:${(twilio.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => smtp.close(resolve));
  await new Promise<void>((resolve) => twilio.close(() => resolve()));
});

function settings(
  overrides: { email?: Partial<MessagingSettings['email']>; text?: Partial<MessagingSettings['text']> } = {},
): MessagingSettings {
  return {
    email: {
      smtpUrl: `smtp://flow%40runner:p%40ss@127.0.0.1:${smtpPort}`,
      defaultFrom: 'Flowrun <flows@example.com>',
      fromAllowlist: ['@example.com'],
      timeoutMs: 5_000,
      ...overrides.email,
    },
    text: {
      apiUrl: twilioUrl,
      accountSid: 'AC123',
      authToken: 'token-456',
      defaultFrom: '+15550001111',
      timeoutMs: 5_000,
      ...overrides.text,
    },
  };
}

const loopback = createAddressPolicy(['127.0.0.1']);
const strict = createAddressPolicy([]);
const signal = () => new AbortController().signal;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    assert.ok(FlowrunError.isInstance(error), String(error));
    return error.code;
  }
}

test('an email reaches a real SMTP server with its sender, recipients, subject and bodies, logged in with the URL’s credentials', async () => {
  received.length = 0;
  const sender = createMessageSender(settings(), loopback);
  const receipt = await sender.sendEmail(
    { to: ['ada@example.org', 'bob@example.org'], subject: 'Weekly digest', text: 'Plain body 42', html: '<p>HTML body 42</p>' },
    signal(),
  );
  assert.deepEqual(receipt.accepted, ['ada@example.org', 'bob@example.org']);
  assert.deepEqual(receipt.rejected, []);
  assert.equal(receipt.from, 'flows@example.com');
  assert.match(receipt.messageId, /^<.+@.+>$/);
  assert.equal(received.length, 1);
  const [mail] = received;
  assert.equal(mail!.from, 'flows@example.com');
  assert.deepEqual(mail!.to, ['ada@example.org', 'bob@example.org']);
  assert.deepEqual([mail!.user, mail!.password], ['flow@runner', 'p@ss']);
  assert.match(mail!.raw, /^From: Flowrun <flows@example\.com>$/m);
  assert.match(mail!.raw, /^To: ada@example\.org, bob@example\.org$/m);
  assert.match(mail!.raw, /^Subject: Weekly digest$/m);
  assert.match(mail!.raw, /Plain body 42/);
  assert.match(mail!.raw, /<p>HTML body 42<\/p>/);
});

test('a sender off the allowlist, a refused recipient and a missing server are step errors with their codes', async () => {
  const sender = createMessageSender(settings(), loopback);
  assert.equal(
    await codeOf(sender.sendEmail({ from: 'boss@elsewhere.com', to: ['a@example.org'], subject: '', text: 'x' }, signal())),
    'EMAIL_FROM_NOT_ALLOWED',
  );
  assert.equal(await codeOf(sender.sendEmail({ to: ['bounce@example.org'], subject: '', text: 'x' }, signal())), 'EMAIL_REJECTED');
  const none = createMessageSender(settings({ email: { smtpUrl: undefined } }), loopback);
  assert.equal(await codeOf(none.sendEmail({ to: ['a@example.org'], subject: '', text: 'x' }, signal())), 'EMAIL_NOT_CONFIGURED');
  // Without an allowlist only the default sender's address may send.
  const defaultOnly = createMessageSender(settings({ email: { fromAllowlist: [] } }), loopback);
  assert.equal(
    await codeOf(defaultOnly.sendEmail({ from: 'other@example.com', to: ['a@example.org'], subject: '', text: 'x' }, signal())),
    'EMAIL_FROM_NOT_ALLOWED',
  );
});

test('the SMTP host goes through the SSRF guard: a loopback literal, and a name resolving to a private address, are refused', async () => {
  received.length = 0;
  const literal = createMessageSender(settings(), strict);
  assert.equal(await codeOf(literal.sendEmail({ to: ['a@example.org'], subject: '', text: 'x' }, signal())), 'SSRF_BLOCKED');
  const rebinding = createMessageSender(
    settings({ email: { smtpUrl: `smtp://mail.example.com:${smtpPort}` } }),
    strict,
    (_name, _options, callback) => callback(null, [{ address: '10.0.0.5', family: 4 }]),
  );
  assert.equal(await codeOf(rebinding.sendEmail({ to: ['a@example.org'], subject: '', text: 'x' }, signal())), 'SSRF_BLOCKED');
  assert.equal(received.length, 0);
});

test('an SMS is a form-encoded POST to the Messages API with basic auth; Twilio’s errors become TEXT_REJECTED / TEXT_SEND_FAILED', async () => {
  twilioSeen.length = 0;
  twilioAnswer = { status: 201, body: { sid: 'SM0001', status: 'queued', to: '+14155550123', from: '+15550001111', num_segments: '1' } };
  const sender = createMessageSender(settings(), loopback);
  const receipt = await sender.sendText({ to: '+14155550123', body: 'Code: 4242 & more' }, signal());
  assert.deepEqual(receipt, { messageId: 'SM0001', status: 'queued', to: '+14155550123', from: '+15550001111', segments: 1 });
  assert.equal(twilioSeen[0]!.url, '/2010-04-01/Accounts/AC123/Messages.json');
  assert.equal(twilioSeen[0]!.authorization, `Basic ${Buffer.from('AC123:token-456').toString('base64')}`);
  assert.equal(twilioSeen[0]!.type, 'application/x-www-form-urlencoded');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(twilioSeen[0]!.body)), {
    To: '+14155550123',
    From: '+15550001111',
    Body: 'Code: 4242 & more',
  });
  twilioAnswer = { status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } };
  try {
    await sender.sendText({ to: '+14155550123', body: 'x' }, signal());
    assert.fail('a 400 must fail');
  } catch (error) {
    assert.equal((error as FlowrunError).code, 'TEXT_REJECTED');
    assert.match((error as Error).message, /code 21211: The 'To' number is not a valid phone number/);
  }
  twilioAnswer = { status: 503, body: { message: 'busy' } };
  assert.equal(await codeOf(sender.sendText({ to: '+14155550123', body: 'x' }, signal())), 'TEXT_SEND_FAILED');
  assert.equal(await codeOf(createMessageSender(settings(), strict).sendText({ to: '+14155550123', body: 'x' }, signal())), 'SSRF_BLOCKED');
  const unset = createMessageSender(settings({ text: { accountSid: undefined } }), loopback);
  assert.equal(await codeOf(unset.sendText({ to: '+14155550123', body: 'x' }, signal())), 'TEXT_NOT_CONFIGURED');
});

test('email settings are checked at start, and the allowlist takes addresses, @domains and *', () => {
  const base = { fromAllowlist: [], timeoutMs: 1000 };
  assert.throws(() => checkEmailSettings({ ...base, smtpUrl: 'http://mail.example.com' }), /smtp:\/\/ or smtps:\/\//);
  assert.throws(() => checkEmailSettings({ ...base, smtpUrl: 'not a url' }), /FLOWRUN_SMTP_URL is not a URL/);
  assert.throws(() => checkEmailSettings({ ...base, defaultFrom: 'nobody' }), /FLOWRUN_EMAIL_FROM/);
  assert.throws(() => checkEmailSettings({ ...base, fromAllowlist: ['example.com'] }), /FLOWRUN_EMAIL_FROM_ALLOWLIST/);
  checkEmailSettings({
    ...base,
    smtpUrl: 'smtps://u:p@mail.example.com:465',
    defaultFrom: 'A <a@example.com>',
    fromAllowlist: ['@example.org', 'b@x.io', '*'],
  });
  const allowed = (address: string, settings: Partial<EmailSettings>) => isAllowedSender(address, { ...base, ...settings });
  assert.equal(allowed('A@Example.com', { defaultFrom: 'A <a@example.com>' }), true);
  assert.equal(allowed('b@example.com', { defaultFrom: 'A <a@example.com>' }), false);
  assert.equal(allowed('b@example.com', {}), false);
  assert.equal(allowed('news@Example.org', { fromAllowlist: ['@example.org'] }), true);
  assert.equal(allowed('news@sub.example.org', { fromAllowlist: ['@example.org'] }), false);
  assert.equal(allowed('anyone@anywhere.net', { fromAllowlist: ['*'] }), true);
});
