import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import { isE164, maxTextMessageChars } from '../../protocol/message-addresses.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate } from '../template.js';
import { shown } from './shown-value.js';

/**
 * `send-text`: renders `from`, `to` and `message` and sends the SMS through the Twilio-compatible API (the
 * `messages` port). Numbers that rendered are checked as literals are (E.164), and the text's length.
 */
export const runSendText: StepRunner<StepOf<'send-text'>> = async (step, context) => {
  const scope = context.scope();
  const unresolved: string[] = [];
  const render = (text: string) => {
    const rendered = renderTemplate(text, scope);
    unresolved.push(...rendered.unresolved.filter((name) => !unresolved.includes(name)));
    return rendered.text.trim();
  };
  const to = render(step.config.to);
  const from = step.config.from === undefined ? undefined : render(step.config.from);
  const body = render(step.config.message);
  context.checkVariables(unresolved);
  for (const [field, value] of [['to', to] as const, ...(from === undefined ? [] : [['from', from] as const])])
    if (!isE164(value))
      throw new FlowrunError(
        'INVALID_ADDRESS',
        `send-text step '${step.name}': config.${field} renders to ${shown(step.config[field], value)}, which is not a phone number in E.164 form (+14155550123)`,
      );
  if (body.length === 0) throw new FlowrunError('INVALID_VALUE', `send-text step '${step.name}': config.message renders to nothing`);
  if (body.length > maxTextMessageChars)
    throw new FlowrunError(
      'PAYLOAD_TOO_LARGE',
      `send-text step '${step.name}': config.message renders to ${body.length} characters, more than ${maxTextMessageChars}`,
    );
  const sender = context.deps.messages;
  if (!sender)
    throw new FlowrunError(
      'TEXT_NOT_CONFIGURED',
      'send-text: this process has no SMS settings (FLOWRUN_TWILIO_ACCOUNT_SID, FLOWRUN_TWILIO_AUTH_TOKEN)',
    );
  const receipt = await sender.sendText({ ...(from !== undefined ? { from } : {}), to, body }, context.signal);
  return { result: receipt, unresolved };
};
