import type { TextMessage, TextReceipt } from '../../engine/ports.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { AddressPolicy } from '../address-policy.js';
import { guardedFetch, OutboundRequestError } from '../guarded-http.js';

/** How `send-text` reaches a Twilio-compatible Messages API. */
export interface TextSettings {
  /** FLOWRUN_TWILIO_API_URL (default https://api.twilio.com). */
  apiUrl: string;
  accountSid?: string;
  authToken?: string;
  /** FLOWRUN_TWILIO_FROM: the sending number when a step gives none. */
  defaultFrom?: string;
  timeoutMs: number;
}

export type SendText = (message: TextMessage, signal: AbortSignal) => Promise<TextReceipt>;

/**
 * `POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `From`, `Body`, with basic auth
 * AccountSid:AuthToken, through the SSRF guard. A 4xx answer is TEXT_REJECTED with Twilio's code and message.
 */
export function createTextSender(settings: TextSettings, policy: AddressPolicy): SendText {
  return async (message, signal) => {
    const { accountSid, authToken } = settings;
    if (!accountSid || !authToken)
      throw new FlowrunError(
        'TEXT_NOT_CONFIGURED',
        'send-text needs a Twilio account: the operator sets FLOWRUN_TWILIO_ACCOUNT_SID and FLOWRUN_TWILIO_AUTH_TOKEN',
      );
    const from = message.from ?? settings.defaultFrom;
    if (!from)
      throw new FlowrunError(
        'TEXT_NOT_CONFIGURED',
        'send-text has no sending number: give the step a from, or the operator sets FLOWRUN_TWILIO_FROM',
      );
    const url = `${settings.apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    let response;
    try {
      response = await guardedFetch(
        {
          url,
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: new URLSearchParams({ To: message.to, From: from, Body: message.body }).toString(),
          timeoutMs: settings.timeoutMs,
          maxBytes: 64 * 1024,
          maxRedirects: 0,
          bodyCarriesSecret: true,
          signal,
        },
        policy,
      );
    } catch (error) {
      if (signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled while the text was being sent');
      if (error instanceof OutboundRequestError && error.code === 'SSRF_BLOCKED') throw new FlowrunError('SSRF_BLOCKED', error.message);
      throw new FlowrunError('TEXT_SEND_FAILED', `the text could not be sent: ${(error as Error).message}`, [], { cause: error });
    }
    return receiptOf(response.status, response.body, { from, to: message.to });
  };
}

function receiptOf(status: number, text: string, sent: { from: string; to: string }): TextReceipt {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // An answer that is no JSON: its status says enough.
  }
  if (status >= 200 && status < 300) {
    if (typeof body.sid !== 'string') throw new FlowrunError('TEXT_SEND_FAILED', `the SMS API answered ${status} without a message sid`);
    const segments = Number(body.num_segments);
    return {
      messageId: body.sid,
      status: typeof body.status === 'string' ? body.status : 'queued',
      from: typeof body.from === 'string' ? body.from : sent.from,
      to: typeof body.to === 'string' ? body.to : sent.to,
      ...(Number.isFinite(segments) ? { segments } : {}),
    };
  }
  const said = [
    body.code !== undefined ? `code ${String(body.code)}` : '',
    typeof body.message === 'string' ? body.message.slice(0, 300) : '',
  ]
    .filter(Boolean)
    .join(': ');
  const detail = `the SMS API answered ${status}${said ? ` (${said})` : ''}`;
  if (status >= 400 && status < 500) throw new FlowrunError('TEXT_REJECTED', `the text was refused: ${detail}`);
  throw new FlowrunError('TEXT_SEND_FAILED', `the text could not be sent: ${detail}`);
}
