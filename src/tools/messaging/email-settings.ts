import { parseMailbox } from '../../protocol/message-addresses.js';

/** How `send-email` reaches the operator's SMTP server and whom it may send as. */
export interface EmailSettings {
  /** FLOWRUN_SMTP_URL: `smtp://[user:password@]host[:port]` (STARTTLS when offered, port 587) or `smtps://` (TLS, 465). */
  smtpUrl?: string;
  /** FLOWRUN_EMAIL_FROM: the sender when a step gives none. */
  defaultFrom?: string;
  /**
   * FLOWRUN_EMAIL_FROM_ALLOWLIST: the senders a step may name, addresses and `@domain`s (`*`: any). Empty: only
   * the default sender's address.
   */
  fromAllowlist: string[];
  timeoutMs: number;
}

/** Checks the settings when the process starts: a bad URL or default sender is a startup error, not a failed step. */
export function checkEmailSettings(settings: EmailSettings): void {
  if (settings.smtpUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(settings.smtpUrl);
    } catch {
      throw new Error('FLOWRUN_SMTP_URL is not a URL (smtp://user:password@host:587 or smtps://…:465)');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
      throw new Error(`FLOWRUN_SMTP_URL must be an smtp:// or smtps:// URL, got '${url.protocol}…'`);
    if (!url.hostname) throw new Error('FLOWRUN_SMTP_URL names no host');
  }
  if (settings.defaultFrom !== undefined && !parseMailbox(settings.defaultFrom))
    throw new Error(`FLOWRUN_EMAIL_FROM is not an email address: '${settings.defaultFrom}'`);
  for (const entry of settings.fromAllowlist)
    if (entry !== '*' && !parseMailbox(entry.startsWith('@') ? `x${entry}` : entry))
      throw new Error(`FLOWRUN_EMAIL_FROM_ALLOWLIST: '${entry}' is not an address, an @domain or *`);
}

/** Whether `address` may be a sender: on the allowlist (an address, its @domain, or `*`), else the default's address. */
export function isAllowedSender(address: string, settings: EmailSettings): boolean {
  const lower = address.toLowerCase();
  const defaultAddress = settings.defaultFrom ? parseMailbox(settings.defaultFrom)?.address.toLowerCase() : undefined;
  const allowed = settings.fromAllowlist.length > 0 ? settings.fromAllowlist.map((entry) => entry.toLowerCase()) : [defaultAddress];
  const domain = lower.slice(lower.lastIndexOf('@'));
  return allowed.some((entry) => entry === '*' || entry === lower || entry === domain);
}
