import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, ServiceUnavailableException, type NestMiddleware } from '@nestjs/common';
import { SessionStoreUnavailableError } from '../session/session-errors.js';
import { QSESSIONS_LIFECYCLE } from '../qsessions.constants.js';
import { gateResponse } from './response-gate.js';
import { attachRequestState, hasRequestState } from './request-state.js';
import type { SessionLifecycle } from '../session/session-lifecycle.js';

/**
 * Gives every request its `req.session` and saves it before the response leaves. Mounted on all
 * routes by `QSessionsModule` (unless `mountMiddleware: false`), ahead of guards, so that
 * passport and other guards already see the session.
 */
@Injectable()
export class QSessionsMiddleware implements NestMiddleware {
  constructor(@Inject(QSESSIONS_LIFECYCLE) private readonly lifecycle: SessionLifecycle) {}

  async use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    // Mounted twice (automatically and by hand): the first one wins.
    if (hasRequestState(req)) return next();
    let state;
    try {
      state = await this.lifecycle.open(req);
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError) {
        throw new ServiceUnavailableException(error.message, { cause: error });
      }
      throw error;
    }
    attachRequestState(req, state);
    gateResponse(res, (status) => this.lifecycle.commit(state, status));
    next();
  }
}
