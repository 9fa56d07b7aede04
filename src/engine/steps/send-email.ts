import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import {
  hasControlCharacters,
  maxEmailBodyChars,
  maxEmailRecipients,
  parseMailbox,
  recipientsOf,
} from '../../protocol/message-addresses.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate } from '../template.js';
import { shown } from './shown-value.js';

/**
 * `send-email`: renders `from`, `to`, `subject`, `html` and `text` and sends them through the operator's SMTP
 * server (the `messages` port). What rendered is checked again as the schema checks literals: a template that
 * renders to no address, a second line in the subject or too many recipients fails the step before anything is sent.
 */
export const runSendEmail: StepRunner<StepOf<'send-email'>> = async (step, context) => {
  const scope = context.scope();
  const unresolved: string[] = [];
  const render = (text: string) => {
    const rendered = renderTemplate(text, scope);
    unresolved.push(...rendered.unresolved.filter((name) => !unresolved.includes(name)));
    return rendered.text;
  };
  const { config } = step;
  const to = recipientsOf(Array.isArray(config.to) ? config.to.map(render) : render(config.to));
  const from = config.from === undefined ? undefined : render(config.from).trim();
  const subject = render(config.subject);
  const html = config.html === undefined ? undefined : render(config.html);
  const text = config.text === undefined ? undefined : render(config.text);
  context.checkVariables(unresolved);
  const fail = (code: 'INVALID_ADDRESS' | 'INVALID_VALUE' | 'PAYLOAD_TOO_LARGE', message: string) =>
    new FlowrunError(code, `send-email step '${step.name}': ${message}`);
  if (to.length === 0) throw fail('INVALID_ADDRESS', 'config.to renders to no recipient');
  if (to.length > maxEmailRecipients)
    throw fail('INVALID_VALUE', `config.to renders to ${to.length} recipients, more than ${maxEmailRecipients}`);
  for (const [field, value] of [...to.map((entry) => ['to', entry] as const), ...(from === undefined ? [] : [['from', from] as const])])
    if (!parseMailbox(value))
      throw fail('INVALID_ADDRESS', `config.${field} renders to ${shown(config[field], value)}, which is not an email address`);
  if (hasControlCharacters(subject))
    throw fail('INVALID_VALUE', 'config.subject renders with a line break or control character (a subject is one line)');
  for (const [field, body] of [
    ['html', html],
    ['text', text],
  ] as const)
    if (body !== undefined && body.length > maxEmailBodyChars)
      throw fail('PAYLOAD_TOO_LARGE', `config.${field} renders to ${body.length} characters, more than ${maxEmailBodyChars}`);
  const sender = context.deps.messages;
  if (!sender) throw new FlowrunError('EMAIL_NOT_CONFIGURED', 'send-email: this process has no email settings (FLOWRUN_SMTP_URL)');
  const receipt = await sender.sendEmail(
    {
      ...(from !== undefined ? { from } : {}),
      to,
      subject,
      ...(html !== undefined ? { html } : {}),
      ...(text !== undefined ? { text } : {}),
    },
    context.signal,
  );
  return { result: receipt, unresolved };
};
