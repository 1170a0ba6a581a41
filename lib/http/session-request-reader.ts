import type { IncomingMessage } from 'node:http';
import type { ResolvedQSessionsOptions } from '../options/resolved-options.js';
import type { SessionRequestInput } from '../session/session-lifecycle.js';
import type { WarningSink } from '../util/warn-once.js';
import { applyIpPrivacy } from '../session/ip-privacy.js';
import { readClientInfo } from './client-address.js';
import { readClientHints } from './client-hints-reader.js';
import { claimsForwardedHttps, isSecureRequest } from './secure-request.js';

/**
 * Reads what the session rules need off a Node request: its cookies, its client (with its Client
 * Hints under the `clientHints` option), and whether it came over TLS.
 */
export class SessionRequestReader {
  private warnedUntrustedForwardedHttps = false;

  constructor(
    private readonly options: Pick<ResolvedQSessionsOptions, 'cookie' | 'trustProxy' | 'privacy' | 'clientHints'>,
    private readonly logger: WarningSink,
  ) {}

  read(req: IncomingMessage): SessionRequestInput {
    const client = readClientInfo(req, this.options.trustProxy);
    // Before anything is stored, looked up or shown (`privacy.ip`).
    if (this.options.privacy.ip !== 'full') client.ip = applyIpPrivacy(client.ip, this.options.privacy.ip);
    if (this.options.clientHints) client.clientHints = readClientHints(req.headers);
    return { cookieHeader: req.headers.cookie, client, secure: this.secureRequest(req) };
  }

  /**
   * Whether the session cookie gets `Secure` on this request. With `secure: 'auto'`, a request
   * that says `X-Forwarded-Proto: https` from a peer `trustProxy` does not trust counts as plain
   * HTTP; that is right for a stranger, but behind a TLS-terminating proxy it means `trustProxy`
   * is missing and every cookie goes out without `Secure`: said once, at the first such request.
   */
  private secureRequest(req: IncomingMessage): boolean {
    const option = this.options.cookie.secure;
    if (option !== 'auto') return option;
    const secure = isSecureRequest(req, this.options.trustProxy);
    if (!secure && !this.warnedUntrustedForwardedHttps && claimsForwardedHttps(req)) {
      this.warnedUntrustedForwardedHttps = true;
      this.logger.warn(
        `A request came with "X-Forwarded-Proto: https" from ${req.socket?.remoteAddress ?? 'an unknown peer'}, ` +
          'which `trustProxy` does not trust, so it counts as plain HTTP and the session cookie is set without ' +
          "`Secure`. Behind a TLS-terminating proxy, set `trustProxy` to the proxy's address (for example " +
          "'loopback', or its subnet), or set `cookie.secure: true`; otherwise someone sent that header, and " +
          'nothing needs changing. (Said once.)',
      );
    }
    return secure;
  }
}
