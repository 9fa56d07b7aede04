import type { MessageSender } from '../../engine/ports.js';
import type { AddressPolicy } from '../address-policy.js';
import type { Resolver } from '../guarded-http.js';
import { createEmailSender } from './email-sender.js';
import type { EmailSettings } from './email-settings.js';
import { createTextSender, type TextSettings } from './text-sender.js';

export interface MessagingSettings {
  email: EmailSettings;
  text: TextSettings;
}

/** The `messages` port: email over SMTP, SMS over a Twilio-compatible API, both under the SSRF guard. */
export function createMessageSender(settings: MessagingSettings, policy: AddressPolicy, resolve?: Resolver): MessageSender {
  return { sendEmail: createEmailSender(settings.email, policy, resolve), sendText: createTextSender(settings.text, policy) };
}
