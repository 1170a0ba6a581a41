import { Controller, Get, HttpCode, NotFoundException, Post, Query, Req } from '@nestjs/common';
import { CurrentSession, RequestSession, SessionEnded, SessionService, type SessionEnd } from '../../lib/index.js';

/** The history as an app shows it: the signed-in user's own entries, and why a cookie's session ended. */
@Controller('history')
export class HistoryController {
  constructor(private readonly sessions: SessionService) {}

  @Get()
  page(@CurrentSession() session: RequestSession, @Query('before') before?: string, @Query('limit') limit?: string) {
    if (typeof session.userId !== 'number') throw new NotFoundException('Not signed in');
    return this.sessions.history(session.userId, { before, limit: limit === undefined ? undefined : Number(limit) });
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Req() req: object) {
    await this.sessions.logout(req);
    return { ok: true };
  }

  /** Why the cookie's session ended, as the decorator and as `sessionEnded(req)` (for guards and filters) say. */
  @Get('ended')
  ended(@SessionEnded() ended: SessionEnd | undefined, @CurrentSession() session: RequestSession, @Req() req: object) {
    return {
      ended: ended ?? null,
      fromService: this.sessions.sessionEnded(req) ?? null,
      userId: session.userId ?? null,
    };
  }
}
