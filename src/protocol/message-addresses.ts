/**
 * Addresses and limits of the messaging steps (`send-email`, `send-text`), shared by validation (a literal value
 * is a 422 at its field) and the runners (a value a template rendered fails the step).
 */

/** The most recipients one `send-email` step sends to. */
export const maxEmailRecipients = 50;
/** The largest `html` or `text` body of one email, in characters. */
export const maxEmailBodyChars = 1_000_000;
/** The longest subject (RFC 5322's line limit). */
export const maxEmailSubjectChars = 998;
/** The longest SMS body Twilio takes (ten segments). */
export const maxTextMessageChars = 1600;

export interface Mailbox {
  /** The display name of `Name <address>`, when given. */
  name?: string;
  address: string;
}

const localPart = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// Labels of letters, digits and hyphens; the last one letters, or an internationalised (punycode) top-level domain.
const domainPart = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

/** Whether `text` is a bare email address (`ada@example.com`): no quotes, comments, IP literals or line breaks. */
export function isEmailAddress(text: string): boolean {
  if (text.length > 254) return false;
  const at = text.lastIndexOf('@');
  if (at < 1) return false;
  const local = text.slice(0, at);
  return local.length <= 64 && localPart.test(local) && domainPart.test(text.slice(at + 1));
}

/** `ada@example.com` or `Ada Lovelace <ada@example.com>`; null when it is neither (or holds a line break). */
export function parseMailbox(text: string): Mailbox | null {
  const trimmed = text.trim();
  if (hasControlCharacters(trimmed)) return null;
  if (isEmailAddress(trimmed)) return { address: trimmed };
  const named = /^([^<>"@,;:\\]{1,100}?)\s*<([^<>]+)>$/.exec(trimmed);
  if (!named || !isEmailAddress(named[2]!)) return null;
  return { name: named[1]!.trim(), address: named[2]! };
}

/** The addresses of a `to`: a list, or one text of addresses separated by commas. */
export function recipientsOf(to: string | string[]): string[] {
  const list = Array.isArray(to) ? to : to.split(',');
  return list.map((entry) => entry.trim()).filter(Boolean);
}

/** Whether `text` is a phone number in E.164 form (`+14155550123`). */
export function isE164(text: string): boolean {
  return /^\+[1-9][0-9]{6,14}$/.test(text);
}

/** Whether a header value holds a control character (a line break, NUL; a tab is allowed): header injection. */
export function hasControlCharacters(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 32 && code !== 9) || code === 127) return true;
  }
  return false;
}

/** Whether `text` holds a `{{placeholder}}`, so it can only be checked once rendered. */
export function isTemplated(text: string): boolean {
  return text.includes('{{');
}
