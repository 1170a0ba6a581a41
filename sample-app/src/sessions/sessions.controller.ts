import { BadRequestException, Body, Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentSessionId, SessionService } from 'nest-qsessions';
import { CurrentUser, SignedInGuard } from '../auth/guards.js';
import { addFlash, csrfTokenOf, takeFlash, type SampleRequest } from '../auth/session-data.js';
import { sendHtml } from '../http/respond.js';
import type { User } from '../users/user.entity.js';
import { plural } from '../views/format.js';
import { sessionsPage } from '../views/sessions.page.js';

/** "Your sessions": the signed-in user's own sessions, each of which they can sign out. */
@Controller('sessions')
@UseGuards(SignedInGuard)
export class SessionsController {
  constructor(private readonly sessions: SessionService) {}

  @Get()
  async list(@Req() req: SampleRequest, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const session = req.session!;
    const views = await this.sessions.list(user, { current: req });
    const context = { user, csrfToken: csrfTokenOf(session), flash: takeFlash(session), section: 'sessions' as const };
    sendHtml(res, 200, sessionsPage(context, views, new Date()));
  }

  @Post('revoke-others')
  async revokeOthers(@Req() req: SampleRequest, @Res() res: Response): Promise<void> {
    const ended = await this.sessions.revokeOthers(req);
    addFlash(
      req.session!,
      ended > 0 ? 'success' : 'info',
      ended > 0 ? `Signed out ${plural(ended, 'other session')}.` : 'There were no other sessions to sign out.',
    );
    res.redirect(303, '/sessions');
  }

  /**
   * Names one of the user's sessions ("Work laptop"); an empty name removes it. `rename()` is
   * owner-scoped like `revoke()`: another user's id changes nothing and reads as "already ended".
   * A name it refuses (too long, control characters) comes back as an error message.
   */
  @Post(':id/rename')
  async rename(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @CurrentUser() user: User,
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
  ): Promise<void> {
    const session = req.session!;
    const label = typeof body.label === 'string' ? body.label : '';
    try {
      if (!(await this.sessions.rename(user, id, label))) {
        addFlash(session, 'error', 'That session had already ended.');
      } else {
        const name = label.trim();
        addFlash(session, 'success', name ? `Renamed the session to “${name}”.` : 'Removed the name of the session.');
      }
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      addFlash(session, 'error', error.message);
    }
    res.redirect(303, '/sessions');
  }

  /**
   * Signs out one of the user's sessions. `SessionService.revoke` is owner-scoped: the id of
   * another user's session ends nothing and reads as "already ended". This device's own id is a
   * plain sign-out.
   */
  @Post(':id/revoke')
  async revoke(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @CurrentUser() user: User,
    @CurrentSessionId() currentId: string | undefined,
    @Param('id') id: string,
  ): Promise<void> {
    if (id === currentId) {
      await this.sessions.logout(req);
      return res.redirect(303, '/login?signedOut=1');
    }
    const target = (await this.sessions.list(user)).find((view) => view.id === id);
    const ended = await this.sessions.revoke(user, id);
    if (ended && target) {
      const where = target.location ? ` in ${target.location}` : '';
      addFlash(req.session!, 'success', `Signed out ${target.device.summary}${where}.`);
    } else {
      addFlash(req.session!, 'error', 'That session had already ended.');
    }
    res.redirect(303, '/sessions');
  }
}
