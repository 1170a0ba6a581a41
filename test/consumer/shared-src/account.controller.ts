import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { ClientInfo, CurrentSession, RequestSession, SessionService, parseDevice } from 'nest-qsessions';
import { Repository } from 'typeorm';
import { User } from './user.entity.js';

// The route methods have no return type on purpose: with `declaration: true` the compiler must
// name every type they return (SessionView, ClientInfo, SessionCookie, DeviceInfo...) through the
// package's public entry points, which fails (TS2742/TS2883) when one of them is not exported.
@Controller()
export class AccountController {
  constructor(
    private readonly sessions: SessionService,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  @Post('login')
  async login(@Req() req: Request, @Body() body: { username?: unknown }) {
    const username = body?.username;
    if (typeof username !== 'string' || username === '') throw new BadRequestException('username is required');
    const user = (await this.users.findOneBy({ username })) ?? (await this.users.save(this.users.create({ username })));
    await this.sessions.login(req, user);
    return { ok: true, userId: user.id };
  }

  @Get('sessions')
  async list(@Req() req: Request, @CurrentSession() session: RequestSession | undefined) {
    const user = await this.userOf(session);
    return this.sessions.list(user, { current: req });
  }

  @Delete('sessions/:id')
  async revoke(@CurrentSession() session: RequestSession | undefined, @Param('id') id: string) {
    const user = await this.userOf(session);
    if (!(await this.sessions.revoke(user, id))) throw new NotFoundException('No such session');
    return { ok: true };
  }

  @Get('whoami')
  async whoami(@ClientInfo() client: ClientInfo, @CurrentSession() session: RequestSession | undefined) {
    const user = await this.userOf(session);
    return {
      user,
      client,
      device: parseDevice(client.userAgent),
      sessionId: session?.publicId,
      cookie: session?.cookie,
    };
  }

  /** The session events, for the declaration emit to name (Observable<SessionEvent>). */
  events() {
    return this.sessions.events;
  }

  private async userOf(session: RequestSession | undefined): Promise<User> {
    const id = session?.userId;
    if (typeof id !== 'number') throw new UnauthorizedException('Not signed in');
    const user = await this.users.findOneBy({ id });
    if (!user) throw new UnauthorizedException('Not signed in');
    return user;
  }
}
