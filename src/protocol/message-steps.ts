import { z } from 'zod';
import {
  hasControlCharacters,
  isE164,
  isTemplated,
  maxEmailBodyChars,
  maxEmailRecipients,
  maxEmailSubjectChars,
  maxTextMessageChars,
  parseMailbox,
  recipientsOf,
} from './message-addresses.js';

const outputVariable = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe('Name of the variable the result is saved as, for later steps to use as {{name}}');

type Context = z.core.$RefinementCtx<unknown>;

function refuse(context: Context, path: Array<string | number>, message: string): void {
  context.addIssue({ code: 'custom', message, path, params: { code: 'INVALID_ADDRESS' } });
}

/** A literal mailbox must be one; a templated one is checked once rendered. */
function checkMailbox(value: string, path: Array<string | number>, context: Context): void {
  if (!isTemplated(value) && !parseMailbox(value))
    refuse(context, path, `'${value.slice(0, 100)}' is not an email address (name@example.com or Name <name@example.com>)`);
}

/** `send-email`: Runtype's `from`, `to`, `subject`, `html`, `text`; sent over the operator's SMTP server. */
export const SendEmailConfig = z
  .object({
    from: z
      .string()
      .min(1)
      .max(400)
      .optional()
      .describe('The sender (name@example.com or Name <name@example.com>); default FLOWRUN_EMAIL_FROM'),
    to: z
      .union([z.string().min(1).max(20_000), z.array(z.string().min(1).max(400)).min(1).max(maxEmailRecipients)], {
        error: `the recipients: an address, addresses separated by commas, or a list of at most ${maxEmailRecipients}`,
      })
      .describe(`The recipients: an address, addresses separated by commas, or a list (at most ${maxEmailRecipients})`),
    subject: z
      .string()
      .max(maxEmailSubjectChars)
      .refine((subject) => !hasControlCharacters(subject), 'a subject is one line (no line breaks or control characters)')
      .default('')
      .describe('The subject line; {{variables}} are filled in'),
    html: z.string().max(maxEmailBodyChars).optional().describe('The HTML body; {{variables}} are filled in'),
    text: z.string().max(maxEmailBodyChars).optional().describe('The plain-text body; {{variables}} are filled in'),
    outputVariable,
  })
  .loose()
  .superRefine((config, context) => {
    if (config.html === undefined && config.text === undefined)
      context.addIssue({ code: 'custom', message: 'send-email needs html or text, the body', path: ['html'] });
    if (config.from !== undefined) checkMailbox(config.from, ['from'], context);
    if (Array.isArray(config.to)) config.to.forEach((entry, index) => checkMailbox(entry, ['to', index], context));
    else {
      const recipients = recipientsOf(config.to);
      if (recipients.length > maxEmailRecipients)
        refuse(context, ['to'], `${recipients.length} recipients, more than ${maxEmailRecipients}`);
      for (const entry of recipients) checkMailbox(entry, ['to'], context);
    }
  });
export type SendEmailConfig = z.infer<typeof SendEmailConfig>;

function checkPhone(value: string | undefined, path: string, context: Context): void {
  if (value !== undefined && !isTemplated(value) && !isE164(value))
    refuse(context, [path], `'${value.slice(0, 40)}' is not a phone number in E.164 form (+14155550123)`);
}

/** `send-text`: Runtype's `from`, `to`, `message`; an SMS through a Twilio-compatible API. */
export const SendTextConfig = z
  .object({
    from: z.string().min(1).max(100).optional().describe('The sending number in E.164 form (+14155550123); default FLOWRUN_TWILIO_FROM'),
    to: z.string().min(1).max(100).describe('The recipient’s number in E.164 form (+14155550123)'),
    message: z
      .string()
      .min(1)
      .max(100_000)
      .describe(`The text sent (at most ${maxTextMessageChars} characters); {{variables}} are filled in`),
    outputVariable,
  })
  .loose()
  .superRefine((config, context) => {
    checkPhone(config.from, 'from', context);
    checkPhone(config.to, 'to', context);
    if (!isTemplated(config.message) && config.message.length > maxTextMessageChars)
      context.addIssue({
        code: 'custom',
        message: `${config.message.length} characters, more than ${maxTextMessageChars}`,
        path: ['message'],
      });
  });
export type SendTextConfig = z.infer<typeof SendTextConfig>;
