import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Req } from '@nestjs/common';
import { CurrentSession, RequestSession, SessionService } from '../../lib/index.js';

/**
 * A "my sessions" API as an app would write it: the signed-in user (from the session) lists
 * and revokes their own sessions. Used by the service e2e suite.
 */
@Controller('me/sessions')
export class MySessionsController {
  constructor(private readonly sessions: SessionService) {}

  @Get()
  list(@CurrentSession() session: RequestSession, @Req() req: object) {
    return this.sessions.list(this.userOf(session), { current: req });
  }

  @Delete(':id')
  async revoke(@CurrentSession() session: RequestSession, @Param('id') id: string) {
    if (!(await this.sessions.revoke(this.userOf(session), id))) throw new NotFoundException('No such session');
    return { ok: true };
  }

  @Post('revoke-others')
  @HttpCode(200)
  async revokeOthers(@Req() req: object, @Body() body: { reason?: string } = {}) {
    return { ended: await this.sessions.revokeOthers(req, { reason: body?.reason }) };
  }

  @Post('revoke-all')
  @HttpCode(200)
  async revokeAll(@CurrentSession() session: RequestSession) {
    return { ended: await this.sessions.revokeAll(this.userOf(session)) };
  }

  /** Touches nothing on purpose: proves reads of the session. */
  @Get('whoami')
  whoami(@CurrentSession() session: RequestSession) {
    return { userId: session.userId ?? null };
  }

  @Post('login-as')
  @HttpCode(200)
  async loginAs(@Req() req: object, @Body() body: { userId: number }) {
    await this.sessions.login(req, body.userId);
    return { ok: true };
  }

  private userOf(session: RequestSession): number {
    if (typeof session.userId !== 'number') throw new NotFoundException('Not signed in');
    return session.userId;
  }
}
