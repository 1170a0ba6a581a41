import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { CurrentSession, RequestSession, SessionService, type UserId } from '../../lib/index.js';

/**
 * Routes for test/conformance.e2e.spec.ts: django-qsessions' store-level cases (reference F.1
 * 14-22) and django-user-sessions' views (F.2 61-64), each done inside a real request. A handler
 * returns what it observed while the request ran; the spec checks the rest (rows, cookies,
 * queries) once the response is back.
 */
@Controller('conformance')
export class ConformanceController {
  constructor(private readonly sessions: SessionService) {}

  /** F.1 14: a session nobody wrote to; only reads it. */
  @Get('untouched')
  untouched(@CurrentSession() session: RequestSession) {
    return { cat: session.cat ?? null, keys: Object.keys(session), stored: session.isStored };
  }

  /** F.1 15: set, test, pop and get again within one request. */
  @Get('store-pop')
  storePop(@CurrentSession() session: RequestSession) {
    session.cat = 'dog';
    const hadCat = 'cat' in session;
    const popped = session.cat;
    delete session.cat;
    return { hadCat, popped, hasAfter: 'cat' in session, getAfter: session.cat ?? null };
  }

  /** F.1 16: `in` and get of the user key only read the session. */
  @Get('peek-user')
  peekUser(@CurrentSession() session: RequestSession) {
    return { has: 'userId' in session, value: session.userId ?? null };
  }

  /** F.1 22: Django's clear() then save(): every key removed, then the body set, saved explicitly. */
  @Post('clear-then-save')
  @HttpCode(200)
  async clearThenSave(@CurrentSession() session: RequestSession, @Body() body: Record<string, unknown>) {
    for (const key of Object.keys(session)) delete session[key];
    Object.assign(session, body);
    await session.save();
    return { stored: session.isStored, data: { ...session } };
  }

  /**
   * F.1 19: what the store holds for this session while the request runs (before it is saved),
   * next to the client of this request and the data as loaded.
   */
  @Get('observe-client')
  async observeClient(@Req() req: object, @CurrentSession() session: RequestSession) {
    const mine = (await this.sessions.list(session.userId as UserId, { current: req })).find((view) => view.current);
    return {
      stored: mine ? { ip: mine.ip, userAgent: mine.userAgent } : null,
      client: session.client,
      data: { ...session },
    };
  }

  /** F.2 61: the signed-in user's sessions, as a "your devices" page would list them. */
  @Get('sessions')
  list(@Req() req: object, @CurrentSession() session: RequestSession) {
    return this.sessions.list(session.userId as UserId, { current: req });
  }

  /** F.2 62 and 64: revokes one of the signed-in user's sessions by its public id. */
  @Post('sessions/revoke')
  @HttpCode(200)
  async revoke(@CurrentSession() session: RequestSession, @Body() body: { id: string }) {
    return { revoked: await this.sessions.revoke(session.userId as UserId, body.id) };
  }

  /** F.2 63: revokes every other session of the signed-in user. */
  @Post('sessions/revoke-others')
  @HttpCode(200)
  async revokeOthers(@Req() req: object) {
    return { count: await this.sessions.revokeOthers(req) };
  }
}
