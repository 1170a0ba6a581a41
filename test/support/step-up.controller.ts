import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
  Req,
} from '@nestjs/common';
import {
  CurrentSession,
  RequestSession,
  RequireFreshSession,
  SessionLimitError,
  SessionService,
} from '../../lib/index.js';

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

  /** Sign-in under the cap: a refusal answers with the ids of the sessions the person may end. */
  @Post('login')
  @HttpCode(200)
  async login(@Req() req: object, @Body() body: { userId: number; replacing?: string }) {
    try {
      await this.sessions.login(req, body.userId, { replacing: body.replacing });
    } catch (error) {
      if (!(error instanceof SessionLimitError)) throw error;
      throw new ConflictException({
        reason: 'session-limit',
        limit: error.limit,
        sessions: error.sessions.map((s) => s.id),
      });
    }
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
