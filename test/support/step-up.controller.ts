import { Body, Controller, Get, HttpCode, NotFoundException, Param, Patch, Post, Req } from '@nestjs/common';
import { CurrentSession, RequestSession, RequireFreshSession, SessionService } from '../../lib/index.js';

/** Handlers behind `@RequireFreshSession()`: an hour for the controller, a minute for one handler. */
@Controller('step-up')
@RequireFreshSession({ within: '1h' })
export class StepUpController {
  @Get('hourly')
  hourly() {
    return { ok: true };
  }

  @Get('minute')
  @RequireFreshSession({ within: 60_000 })
  minute() {
    return { ok: true };
  }
}

/** The confirmation and device names, as a "my sessions" page would call them. */
@Controller('me/devices')
export class DevicesController {
  constructor(private readonly sessions: SessionService) {}

  @Post('confirm')
  @HttpCode(200)
  async confirm(@Req() req: object) {
    // The app checked the password here.
    await this.sessions.markReauthenticated(req);
    return { ok: true };
  }

  @Patch(':id')
  async rename(
    @CurrentSession() session: RequestSession,
    @Param('id') id: string,
    @Body() body: { label: string | null },
  ) {
    if (typeof session.userId !== 'number') throw new NotFoundException('Not signed in');
    if (!(await this.sessions.rename(session.userId, id, body.label))) throw new NotFoundException('No such session');
    return { ok: true };
  }
}
