import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SessionService } from 'nest-qsessions';
import { sendHtml } from '../http/respond.js';
import { UsersService } from '../users/users.service.js';
import { loginPage } from '../views/login.page.js';
import { safeNext } from './guards.js';
import { VisitorCsrf } from './visitor-csrf.js';
import { addFlash, rotateCsrfToken, sessionUserId, takeFlash, type SampleRequest } from './session-data.js';

/** The start page, the sign-in form and signing out. */
@Controller()
export class AuthController {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly visitors: VisitorCsrf,
  ) {}

  /** `/`: a signed-in user goes to their sessions, a stranger to the sign-in form. */
  @Get()
  async home(@Req() req: SampleRequest, @Res() res: Response): Promise<void> {
    const user = await this.users.findById(sessionUserId(req.session));
    res.redirect(302, user ? '/sessions' : '/login');
  }

  @Get('login')
  async loginForm(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @Query('next') next: unknown,
    @Query('signedOut') signedOut: unknown,
  ): Promise<void> {
    const session = req.session!;
    const target = safeNext(next);
    if (await this.users.findById(sessionUserId(session))) return res.redirect(302, target ?? '/sessions');
    const flash = takeFlash(session);
    if (signedOut === '1') flash.push({ kind: 'info', text: 'You have been signed out.' });
    // The visitor's token is a signed cookie of its own: showing the form stores no session.
    sendHtml(res, 200, loginPage({ csrfToken: this.visitors.tokenFor(req, res), next: target, flash }));
  }

  @Post('login')
  async login(@Req() req: SampleRequest, @Res() res: Response, @Body() body: Record<string, unknown>): Promise<void> {
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    const session = req.session!;
    const user = await this.users.checkCredentials(username, password);
    if (!user) {
      const error = 'Incorrect username or password.';
      const csrfToken = this.visitors.tokenFor(req, res);
      return sendHtml(res, 401, loginPage({ csrfToken, next, username, error, flash: [] }));
    }
    // New session key (no fixation), the user recorded on the row, saved before the redirect.
    await this.sessions.login(req, user);
    rotateCsrfToken(session);
    addFlash(session, 'success', `Signed in as ${user.displayName}.`);
    res.redirect(303, next ?? '/sessions');
  }

  /** Signs this browser out: its session row and cache entry are deleted, the cookie cleared. */
  @Post('logout')
  async logout(@Req() req: SampleRequest, @Res() res: Response): Promise<void> {
    await this.sessions.logout(req);
    res.redirect(303, '/login?signedOut=1');
  }
}
