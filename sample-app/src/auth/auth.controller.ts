import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SessionEnded, SessionLimitError, SessionService, type SessionEnd } from 'nest-qsessions';
import { sendHtml } from '../http/respond.js';
import { UsersService } from '../users/users.service.js';
import type { User } from '../users/user.entity.js';
import { loginPage } from '../views/login.page.js';
import { sessionLimitPage } from '../views/session-limit.page.js';
import { safeNext } from './guards.js';
import { endedKey, loginUrl, signedOutNotice } from './sign-out-notices.js';
import { VisitorCsrf } from './visitor-csrf.js';
import {
  addFlash,
  clearPendingSignIn,
  pendingSignIn,
  rotateCsrfToken,
  sessionUserId,
  startPendingSignIn,
  takeFlash,
  type SampleRequest,
} from './session-data.js';

/** The start page, the sign-in form and signing out. */
@Controller()
export class AuthController {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly visitors: VisitorCsrf,
  ) {}

  /**
   * `/`: a signed-in user goes to their sessions, a stranger to the sign-in form (which says why,
   * when this browser's session was ended elsewhere).
   */
  @Get()
  async home(@Req() req: SampleRequest, @Res() res: Response): Promise<void> {
    const user = await this.users.findById(sessionUserId(req.session));
    res.redirect(302, user ? '/sessions' : loginUrl(null, endedKey(this.sessions.sessionEnded(req))));
  }

  /**
   * The sign-in form. `ended` (set by the redirect of a signed-out browser, see SignedInGuard)
   * picks one of the fixed sentences of sign-out-notices.ts; a browser that opens /login itself
   * with the cookie of an ended session learns why from `@SessionEnded()`.
   */
  @Get('login')
  async loginForm(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @Query('next') next: unknown,
    @Query('signedOut') signedOut: unknown,
    @Query('ended') endedQuery: unknown,
    @SessionEnded() ended: SessionEnd | undefined,
  ): Promise<void> {
    const session = req.session!;
    const target = safeNext(next);
    if (await this.users.findById(sessionUserId(session))) return res.redirect(302, target ?? '/sessions');
    // A sign-in left waiting at the session limit ends when the form is shown again.
    clearPendingSignIn(session);
    const flash = takeFlash(session);
    if (signedOut === '1') flash.push({ kind: 'info', text: 'You have been signed out.' });
    const notice = signedOutNotice(endedQuery) ?? signedOutNotice(endedKey(ended));
    if (notice) flash.push({ kind: 'info', text: notice });
    // The visitor's token is a signed cookie of its own: showing the form stores no session.
    sendHtml(res, 200, loginPage({ csrfToken: this.visitors.tokenFor(req, res), next: target, flash }));
  }

  @Post('login')
  async login(@Req() req: SampleRequest, @Res() res: Response, @Body() body: Record<string, unknown>): Promise<void> {
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    const user = await this.users.checkCredentials(username, password);
    if (!user) {
      const error = 'Incorrect username or password.';
      const csrfToken = this.visitors.tokenFor(req, res);
      return sendHtml(res, 401, loginPage({ csrfToken, next, username, error, flash: [] }));
    }
    await this.signIn(req, res, user, next, null);
  }

  /**
   * The choice on the session-limit page: sign out that session and sign in here, as the user
   * whose password was checked a moment ago (kept in this browser's session, for five minutes).
   */
  @Post('login/replace')
  async replace(@Req() req: SampleRequest, @Res() res: Response, @Body() body: Record<string, unknown>): Promise<void> {
    const session = req.session!;
    const pending = pendingSignIn(session);
    const user = pending ? await this.users.findById(pending.userId) : null;
    if (!pending || !user) {
      clearPendingSignIn(session);
      addFlash(session, 'error', 'That sign-in has expired. Sign in again.');
      return res.redirect(303, '/login');
    }
    const replacing = typeof body.replacing === 'string' ? body.replacing : '';
    await this.signIn(req, res, user, pending.next, replacing);
  }

  /**
   * Signs the user in (ending the `replacing` session first when given) and goes on to `next`;
   * at the session limit, with `onSessionLimit: 'refuse'`, shows the user's sessions to pick one.
   */
  private async signIn(
    req: SampleRequest,
    res: Response,
    user: User,
    next: string | null,
    replacing: string | null,
  ): Promise<void> {
    const session = req.session!;
    const replaced = replacing ? await this.describeSession(user, replacing) : null;
    try {
      // New session key (no fixation), the user recorded on the row, saved before the redirect.
      await this.sessions.login(req, user, replacing ? { replacing } : undefined);
    } catch (error) {
      if (!(error instanceof SessionLimitError)) throw error;
      // Not signed in: remember who proved their password, so that a choice needs no second one
      // (a choice that did not work keeps the pending sign-in as it was, five minutes from the password).
      if (!replacing) startPendingSignIn(session, user.id, next);
      const page = sessionLimitPage(
        {
          csrfToken: this.visitors.tokenFor(req, res),
          limit: error.limit,
          sessions: error.sessions,
          error: replacing ? 'That session could not be signed out for this one. Pick one of these.' : undefined,
        },
        new Date(),
      );
      return sendHtml(res, 409, page);
    }
    clearPendingSignIn(session);
    rotateCsrfToken(session);
    addFlash(session, 'success', `Signed in as ${user.displayName}.`);
    if (replaced) addFlash(session, 'info', `Signed out ${replaced}.`);
    res.redirect(303, next ?? '/sessions');
  }

  /** "Chrome on Windows in Linköping, Sweden": one of the user's sessions, for a message. */
  private async describeSession(user: User, id: string): Promise<string | null> {
    const view = (await this.sessions.list(user)).find((candidate) => candidate.id === id);
    if (!view) return null;
    return `${view.label ?? view.device.summary}${view.location ? ` in ${view.location}` : ''}`;
  }

  /** Signs this browser out: its session row and cache entry are deleted, the cookie cleared. */
  @Post('logout')
  async logout(@Req() req: SampleRequest, @Res() res: Response): Promise<void> {
    await this.sessions.logout(req);
    res.redirect(303, '/login?signedOut=1');
  }
}
