import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, ServiceUnavailableException, type NestMiddleware } from '@nestjs/common';
import { SessionStoreUnavailableError } from '../session/session-errors.js';
import type { ResolvedQSessionsOptions } from '../options/resolved-options.js';
import { QSESSIONS_LIFECYCLE, QSESSIONS_RESOLVED_OPTIONS } from '../qsessions.constants.js';
import { gateResponse } from './response-gate.js';
import { attachRequestState, exposesStateThroughPrototype, hasRequestState } from './request-state.js';
import { SessionRequestReader } from './session-request-reader.js';
import type { SessionHost } from '../session/request-session-state.js';
import type { SessionLifecycle } from '../session/session-lifecycle.js';

/**
 * Gives every request its `req.session` and saves it before the response leaves. Mounted on all
 * routes by `QSessionsModule` (unless `mountMiddleware: false`), ahead of guards, so that
 * passport and other guards already see the session.
 */
@Injectable()
export class QSessionsMiddleware implements NestMiddleware {
  private readonly reader: SessionRequestReader;
  /** The `clientHints` option: every response asks for them. */
  private readonly askForClientHints: boolean;

  constructor(
    @Inject(QSESSIONS_LIFECYCLE) private readonly lifecycle: SessionLifecycle,
    @Inject(QSESSIONS_RESOLVED_OPTIONS) options: ResolvedQSessionsOptions,
  ) {
    this.reader = new SessionRequestReader(options, new Logger('QSessions'));
    this.askForClientHints = options.clientHints;
  }

  async use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    // Mounted twice (automatically and by hand): the first one wins.
    if (hasRequestState(req)) return next();
    let state;
    try {
      const host = req as IncomingMessage & SessionHost;
      state = await this.lifecycle.open(this.reader.read(req), host, !exposesStateThroughPrototype(req));
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError) {
        throw new ServiceUnavailableException(error.message, { cause: error });
      }
      throw error;
    }
    attachRequestState(req, state);
    gateResponse(res, (status) => this.lifecycle.commit(state, status), this.askForClientHints);
    next();
  }
}
