import type { Socket } from 'node:net';
import type { EmailMessage, EmailReceipt } from '../../engine/ports.js';
import { FlowrunError } from '../../protocol/errors.js';
import { parseMailbox } from '../../protocol/message-addresses.js';
import type { AddressPolicy } from '../address-policy.js';
import { OutboundRequestError, type Resolver } from '../guarded-http.js';
import { isAllowedSender, type EmailSettings } from './email-settings.js';
import { openSmtpSocket } from './smtp-socket.js';

export type SendEmail = (message: EmailMessage, signal: AbortSignal) => Promise<EmailReceipt>;

/**
 * Sends each email over a connection of its own to the operator's SMTP server (nodemailer, loaded with the first
 * email). The sender is checked against the operator's list first; the connection goes through the SSRF guard.
 */
export function createEmailSender(settings: EmailSettings, policy: AddressPolicy, resolve?: Resolver): SendEmail {
  return async (message, signal) => {
    if (!settings.smtpUrl)
      throw new FlowrunError(
        'EMAIL_NOT_CONFIGURED',
        'send-email needs an SMTP server: the operator sets FLOWRUN_SMTP_URL (smtp:// or smtps://)',
      );
    const from = senderOf(message, settings);
    signal.throwIfAborted();
    const url = new URL(settings.smtpUrl);
    const secure = url.protocol === 'smtps:';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || (secure ? 465 : 587);
    const auth = url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined;
    let socket: Socket | undefined;
    const cancel = () => socket?.destroy();
    signal.addEventListener('abort', cancel, { once: true });
    const { createTransport } = await import('nodemailer');
    const transport = createTransport({
      host,
      port,
      secure,
      ...(auth ? { auth } : {}),
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      // The message is only what the step rendered: nothing is read from files or fetched from URLs.
      disableFileAccess: true,
      disableUrlAccess: true,
      getSocket: (_options: unknown, callback: (error: Error | null, socket?: { connection: Socket }) => void) =>
        void openSmtpSocket({ host, port, policy, timeoutMs: settings.timeoutMs, resolve }).then(
          (connection) => {
            socket = connection;
            if (signal.aborted) connection.destroy();
            callback(null, { connection });
          },
          (error: Error) => callback(error),
        ),
    });
    try {
      const info = await transport.sendMail({
        from: from.name ? { name: from.name, address: from.address } : from.address,
        to: message.to,
        subject: message.subject,
        ...(message.html !== undefined ? { html: message.html } : {}),
        ...(message.text !== undefined ? { text: message.text } : {}),
      });
      const addresses = (list: unknown) =>
        ((list as Array<string | { address: string }> | undefined) ?? []).map((entry) =>
          typeof entry === 'string' ? entry : entry.address,
        );
      return { messageId: info.messageId, from: from.address, accepted: addresses(info.accepted), rejected: addresses(info.rejected) };
    } catch (error) {
      if (signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled while the email was being sent');
      throw emailError(error);
    } finally {
      signal.removeEventListener('abort', cancel);
      transport.close();
    }
  };
}

function senderOf(message: EmailMessage, settings: EmailSettings): { name?: string; address: string } {
  const from = message.from ?? settings.defaultFrom;
  if (!from)
    throw new FlowrunError(
      'EMAIL_NOT_CONFIGURED',
      'send-email has no sender: give the step a from, or the operator sets FLOWRUN_EMAIL_FROM',
    );
  const mailbox = parseMailbox(from);
  if (!mailbox) throw new FlowrunError('INVALID_ADDRESS', `the sender '${from.slice(0, 100)}' is not an email address`);
  if (!isAllowedSender(mailbox.address, settings))
    throw new FlowrunError(
      'EMAIL_FROM_NOT_ALLOWED',
      `${mailbox.address} is not a sender this server may use: the operator lists allowed senders (addresses, @domains) in FLOWRUN_EMAIL_FROM_ALLOWLIST`,
    );
  return mailbox;
}

/** A mailer failure as a step error: refused addresses, rejections (5xx, bad credentials) and what a retry may fix. */
function emailError(error: unknown): FlowrunError {
  if (error instanceof OutboundRequestError && error.code === 'SSRF_BLOCKED')
    return new FlowrunError('SSRF_BLOCKED', error.message, [], { cause: error });
  const { code, responseCode, message } = error as { code?: string; responseCode?: number; message?: string };
  const text = `the SMTP server: ${(message ?? String(error)).slice(0, 500)}`;
  if (code === 'EAUTH' || code === 'EENVELOPE' || (responseCode !== undefined && responseCode >= 500))
    return new FlowrunError('EMAIL_REJECTED', `the email was refused by ${text}`, [], { cause: error });
  return new FlowrunError('EMAIL_SEND_FAILED', `the email could not be sent through ${text}`, [], { cause: error });
}
