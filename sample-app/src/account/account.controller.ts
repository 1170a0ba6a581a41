import { Body, Controller, Get, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { RequireFreshSession, SessionService } from 'nest-qsessions';
import { CurrentUser, SignedInGuard, safeNext } from '../auth/guards.js';
import { addFlash, csrfTokenOf, type SampleRequest } from '../auth/session-data.js';
import { sendHtml } from '../http/respond.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { MIN_PASSWORD_LENGTH, changePasswordPage, confirmPasswordPage } from '../views/account.page.js';
import { plural } from '../views/format.js';
import type { PageContext } from '../views/layout.js';

/** How recent a proof of identity the password change needs (sign-in or the confirm form). */
export const STEP_UP_WITHIN = '5m';

// Long enough for any passphrase, short enough that hashing it costs nothing unusual.
const MAX_PASSWORD_LENGTH = 1024;

/**
 * The account pages: changing the password, behind step-up. When the session's last proof of
 * identity is older than five minutes, `@RequireFreshSession()` throws, and HtmlExceptionFilter
 * sends the browser to /account/confirm, which asks for the current password again.
 */
@Controller('account')
@UseGuards(SignedInGuard)
export class AccountController {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
  ) {}

  @Get('confirm')
  confirmForm(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @CurrentUser() user: User,
    @Query('next') next: unknown,
  ): void {
    sendHtml(res, 200, confirmPasswordPage(this.context(req, user), { next: safeNext(next) ?? '/sessions' }));
  }

  /** Checks the current password; on success the session counts as freshly authenticated. */
  @Post('confirm')
  async confirm(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @CurrentUser() user: User,
    @Body() body: Record<string, unknown>,
  ): Promise<void> {
    const next = safeNext(body.next) ?? '/sessions';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!(await this.users.checkCredentials(user.username, password))) {
      const page = confirmPasswordPage(this.context(req, user), { next, error: 'Incorrect password.' });
      return sendHtml(res, 401, page);
    }
    await this.sessions.markReauthenticated(req);
    res.redirect(303, next);
  }

  @Get('password')
  @RequireFreshSession({ within: STEP_UP_WITHIN })
  passwordForm(@Req() req: SampleRequest, @Res() res: Response, @CurrentUser() user: User): void {
    sendHtml(res, 200, changePasswordPage(this.context(req, user)));
  }

  /** Stores the new password and signs out every other session of the user (this one stays). */
  @Post('password')
  @RequireFreshSession({ within: STEP_UP_WITHIN })
  async changePassword(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @CurrentUser() user: User,
    @Body() body: Record<string, unknown>,
  ): Promise<void> {
    const password = typeof body.password === 'string' ? body.password : '';
    const repeat = typeof body.repeat === 'string' ? body.repeat : '';
    const error =
      [...password].length < MIN_PASSWORD_LENGTH
        ? `The new password must be at least ${MIN_PASSWORD_LENGTH} characters long.`
        : password.length > MAX_PASSWORD_LENGTH
          ? `The new password can be at most ${MAX_PASSWORD_LENGTH} characters long.`
          : password !== repeat
            ? 'The two passwords do not match.'
            : null;
    if (error) return sendHtml(res, 400, changePasswordPage(this.context(req, user), { error }));
    await this.users.changePassword(user, password);
    const ended = await this.sessions.revokeOthers(req, { reason: 'password-changed' });
    addFlash(req.session!, 'success', `Password changed. Signed out ${plural(ended, 'other session')}.`);
    res.redirect(303, '/sessions');
  }

  private context(req: SampleRequest, user: User): PageContext {
    return { user, csrfToken: csrfTokenOf(req.session!), flash: [], section: 'password' };
  }
}
