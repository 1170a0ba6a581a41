import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ReauthenticationRequiredException } from 'nest-qsessions';
import { CsrfRejectedException, SignInRequiredException } from '../auth/guards.js';
import { csrfTokenOf, sessionUserId, type SampleRequest } from '../auth/session-data.js';
import { loginUrl } from '../auth/sign-out-notices.js';
import { UsersService } from '../users/users.service.js';
import { errorPage, type ErrorPageOptions } from '../views/error.page.js';
import type { PageContext } from '../views/layout.js';

/**
 * Turns every error of a page into an HTML page: strangers on a protected page are sent to the
 * sign-in form, other errors get a page with their status code. Errors of GraphQL resolvers are
 * left to the GraphQL driver (an entry of the response's `errors`).
 */
@Catch()
export class HtmlExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('SampleApp');

  constructor(private readonly users: UsersService) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    // Rethrown, Nest hands it back to the driver as the resolver's error.
    if (host.getType() !== 'http') throw exception;
    const req = host.switchToHttp().getRequest<SampleRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof SignInRequiredException) {
      res.redirect(303, loginUrl(exception.next, exception.ended));
      return;
    }
    if (exception instanceof ReauthenticationRequiredException && sessionUserId(req.session) !== null) {
      // A signed-in user whose last proof of identity is too old: ask for the password again,
      // then come back here (a POST comes back to its form, as a GET).
      const next = req.method === 'GET' ? req.originalUrl : req.path;
      res.redirect(303, `/account/confirm?next=${encodeURIComponent(next).replace(/%2F/g, '/')}`);
      return;
    }
    const status = exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    if (status >= 500)
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : exception);
    let context: PageContext | null = null;
    try {
      const user = req.signedInUser ?? (await this.users.findById(sessionUserId(req.session)));
      if (user && req.session) context = { user, csrfToken: csrfTokenOf(req.session), flash: [] };
    } catch {
      // The database may be the problem: show the page without the account header.
    }
    if (res.headersSent) return;
    res
      .status(status)
      .type('html')
      .send(errorPage(describe(status, exception), context).value);
  }
}

function describe(status: number, exception: unknown): ErrorPageOptions {
  if (exception instanceof CsrfRejectedException) {
    return { status, title: 'This form has expired', message: exception.message };
  }
  switch (status) {
    case 403:
      return { status, title: "You don't have access to this page", message: (exception as Error).message };
    case 404:
      return { status, title: 'Page not found', message: 'There is no page at this address.' };
    default:
      return status >= 500
        ? {
            status,
            title: 'Something went wrong',
            message: 'The server could not complete this request. Try again in a moment.',
          }
        : { status, title: 'That request could not be handled', message: (exception as Error).message };
  }
}
