import {
  Body,
  Controller,
  Get,
  HttpCode,
  InternalServerErrorException,
  Post,
  Query,
  Req,
  Session,
} from '@nestjs/common';
import { ClientInfo, CurrentSession, CurrentSessionId, RequestSession, SessionService } from '../../lib/index.js';

/** Routes the e2e suites drive; the first two mirror django-qsessions' tests/urls.py. */
@Controller()
export class TestController {
  constructor(private readonly sessions: SessionService) {}

  /** The session data as JSON (django-qsessions: /read_session/). */
  @Get('read_session')
  read(@CurrentSession() session: RequestSession) {
    return { ...session };
  }

  /** Sets FOO=BAR (django-qsessions: /modify_session/). */
  @Get('modify_session')
  @HttpCode(200)
  modify(@CurrentSession() session: RequestSession) {
    session.FOO = 'BAR';
    return '';
  }

  /** Sets the given properties (and deletes those set to null). */
  @Post('set')
  @HttpCode(200)
  set(@CurrentSession() session: RequestSession, @Body() body: Record<string, unknown>) {
    for (const [key, value] of Object.entries(body)) {
      if (value === null) delete session[key];
      else session[key] = value;
    }
    return { ...session };
  }

  /** Empties the session. */
  @Post('clear')
  @HttpCode(200)
  clear(@CurrentSession() session: RequestSession) {
    for (const key of Object.keys(session)) delete session[key];
    return {};
  }

  @Post('login')
  @HttpCode(200)
  async login(@Req() req: object, @Body() body: { userId: number | string }) {
    await this.sessions.login(req, body.userId);
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Req() req: object) {
    await this.sessions.logout(req);
    return { ok: true };
  }

  @Get('client')
  client(@ClientInfo() client: ClientInfo) {
    return client;
  }

  /** Nest's own @Session() must see the same object. */
  @Get('nest-session')
  nestSession(@Session() nest: Record<string, unknown>, @CurrentSession() ours: RequestSession) {
    return { same: nest === ours, data: { ...nest } };
  }

  @Get('current-id')
  currentId(@CurrentSessionId() id?: string) {
    return { id: id ?? null };
  }

  /** Modifies the session, then fails with a 500: the change must not be saved. */
  @Get('fail')
  fail(@CurrentSession() session: RequestSession) {
    session.FAILED = true;
    throw new InternalServerErrorException('boom');
  }

  @Post('regenerate')
  @HttpCode(200)
  async regenerate(@Req() req: { session: RequestSession }, @Body() body: Record<string, unknown>) {
    await req.session.regenerate();
    // regenerate() puts a new session object on the request, as express-session does.
    Object.assign(req.session, body);
    return { ok: true };
  }

  @Post('destroy')
  @HttpCode(200)
  async destroy(@CurrentSession() session: RequestSession) {
    await new Promise<void>((resolve, reject) => session.destroy((error) => (error ? reject(error) : resolve())));
    return { ok: true };
  }

  @Post('save-now')
  @HttpCode(200)
  async saveNow(@CurrentSession() session: RequestSession, @Body() body: Record<string, unknown>) {
    Object.assign(session, body);
    await session.save();
    return { stored: session.isStored };
  }

  @Post('reload')
  @HttpCode(200)
  async reload(@CurrentSession() session: RequestSession) {
    session.UNSAVED = true;
    await session.reload();
    return { unsaved: session.UNSAVED ?? null };
  }

  @Get('touch')
  touch(@CurrentSession() session: RequestSession) {
    session.touch();
    return { ok: true };
  }

  @Get('max-age')
  maxAge(@CurrentSession() session: RequestSession, @Query('ms') ms: string) {
    session.cookie.maxAge = Number(ms);
    session.REMEMBER = true;
    return { maxAge: session.cookie.maxAge };
  }

  /** Untouched: never reads or writes the session. */
  @Get('plain')
  plain() {
    return { ok: true };
  }
}
