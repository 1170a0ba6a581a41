import { BadRequestException, Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SessionService } from 'nest-qsessions';
import { sendHtml } from '../http/respond.js';
import { notMePage, notMeResultPage } from '../views/not-me.page.js';
import { csrfTokenOf, sessionUserId, type SampleRequest } from './session-data.js';
import { VisitorCsrf } from './visitor-csrf.js';

/**
 * The "This wasn't me" link of a new-sign-in e-mail (NewSignInAlerts). It needs no sign-in: the
 * token is the proof. GET only shows what will happen, because mail scanners and link previews
 * open links by themselves; the POST of its form ends the session the e-mail was about, or every
 * session of the user (`revokeByToken(token, { all })`, reason `revoke-link`). A token works once.
 */
@Controller('not-me')
export class NotMeController {
  constructor(
    private readonly sessions: SessionService,
    private readonly visitors: VisitorCsrf,
  ) {}

  @Get()
  form(@Req() req: SampleRequest, @Res() res: Response, @Query('token') token: unknown): void {
    if (typeof token !== 'string' || token === '') {
      throw new BadRequestException('This link is incomplete. Open the link of the e-mail again.');
    }
    sendHtml(res, 200, notMePage({ csrfToken: this.formToken(req, res), token }));
  }

  @Post()
  async signOut(@Res() res: Response, @Body() body: Record<string, unknown>): Promise<void> {
    const token = typeof body.token === 'string' ? body.token : '';
    const all = body.scope === 'all';
    const ended = await this.sessions.revokeByToken(token, { all });
    if (!ended) return sendHtml(res, 410, notMeResultPage('unused'));
    sendHtml(res, 200, notMeResultPage(all ? 'all' : 'one'));
  }

  /** The CSRF token CsrfGuard will expect: this browser's session's when signed in, else a visitor's. */
  private formToken(req: SampleRequest, res: Response): string {
    return sessionUserId(req.session) !== null ? csrfTokenOf(req.session!) : this.visitors.tokenFor(req, res);
  }
}
