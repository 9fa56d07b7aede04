import { connect, isIP, type Socket } from 'node:net';
import type { AddressPolicy } from '../address-policy.js';
import { allowlistHint, guardedLookup, OutboundRequestError, type Resolver } from '../guarded-http.js';

export interface SmtpSocketOptions {
  host: string;
  port: number;
  policy: AddressPolicy;
  timeoutMs: number;
  resolve?: Resolver;
}

/**
 * A TCP connection to the SMTP server under the SSRF guard, as HTTP tools connect: an IP literal is checked as
 * it is, a name by every address it resolves to when the socket connects (the socket goes to a checked address, so
 * a name that changes its answer gains nothing). TLS, when the URL asks for it, is started over this socket by
 * the mailer, with the host name for the certificate.
 */
export function openSmtpSocket(options: SmtpSocketOptions): Promise<Socket> {
  const { host, port, policy } = options;
  if (isIP(host)) {
    const refusal = policy.check(host);
    if (refusal)
      return Promise.reject(new OutboundRequestError('SSRF_BLOCKED', `refused to connect to ${host}: ${refusal}${allowlistHint}`));
  }
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, lookup: guardedLookup(policy, options.resolve) });
    socket.setTimeout(options.timeoutMs, () =>
      socket.destroy(
        new OutboundRequestError('HTTP_TIMEOUT', `no connection to the SMTP server ${host}:${port} within ${options.timeoutMs} ms`),
      ),
    );
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
