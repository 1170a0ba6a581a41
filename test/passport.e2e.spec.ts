import request from 'supertest';
import {
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { AuthGuard, PassportModule, PassportSerializer, PassportStrategy } from '@nestjs/passport';
import { InjectDataSource } from '@nestjs/typeorm';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { DataSource } from 'typeorm';
import { QSession, SessionService } from '../lib/index.js';
import { sessionCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// passport 0.7 through @nestjs/passport, unchanged: req.login() regenerates and saves the
// session, passport.session() restores the user on later requests, req.logout() ends it.
// Passport's session support is Express-only (Fastify apps use @fastify/passport).

@Injectable()
class LocalAuth extends PassportStrategy(LocalStrategy) {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async validate(username: string, password: string): Promise<IntUser> {
    const user = await this.dataSource.getRepository(IntUser).findOneBy({ username });
    if (!user || password !== `${username}-secret`) throw new UnauthorizedException();
    return user;
  }
}

@Injectable()
class UserSerializer extends PassportSerializer {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  serializeUser(user: IntUser, done: (error: Error | null, id?: number) => void): void {
    done(null, user.id);
  }

  async deserializeUser(id: number, done: (error: Error | null, user?: IntUser | null) => void): Promise<void> {
    done(null, await this.dataSource.getRepository(IntUser).findOneBy({ id }));
  }
}

/** Checks the credentials, then starts the login session (req.login). */
@Injectable()
class LoginGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const result = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return result;
  }
}

@Injectable()
class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ isAuthenticated(): boolean }>().isAuthenticated();
  }
}

type PassportRequest = { user?: IntUser; logout(done: (error?: Error) => void): void };

@Controller('auth')
class AuthController {
  constructor(private readonly sessions: SessionService) {}

  @UseGuards(LoginGuard)
  @Post('login')
  @HttpCode(200)
  login(@Req() req: PassportRequest) {
    return { username: req.user!.username };
  }

  @UseGuards(SignedInGuard)
  @Get('me')
  async me(@Req() req: PassportRequest) {
    return { username: req.user!.username, sessions: await this.sessions.list(req.user!, { current: req }) };
  }

  @Post('logout')
  @HttpCode(200)
  logout(@Req() req: PassportRequest) {
    return new Promise((resolve, reject) => req.logout((error) => (error ? reject(error) : resolve({ ok: true }))));
  }
}

/** passport.session() runs after QSessionsModule's middleware, which the app module imports. */
class PassportSessionModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(passport.session()).forRoutes('{*path}');
  }
}

const expressVariants = variants().filter((variant) => variant.adapter === 'express');

describe.each(expressVariants)('passport on $name', (variant) => {
  let t: TestApp;
  let alice: IntUser;

  beforeAll(async () => {
    // passport is a process-wide singleton and each PassportSerializer adds itself to it: drop
    // the previous variant's (its DataSource is closed) so that only this app's one answers.
    Object.assign(passport, { _serializers: [], _deserializers: [] });
    const { Module } = await import('@nestjs/common');
    Module({})(PassportSessionModule);
    t = await startTestApp(variant, {
      imports: [PassportModule.register({ session: true }), PassportSessionModule],
      controllers: [TestController, AuthController],
      providers: [LocalAuth, UserSerializer],
    });
    alice = await t.dataSource.getRepository(IntUser).save({ username: 'alice' });
  });
  afterAll(() => t?.close());

  it('logs in, reaches a guarded route, is listed with its IP and User-Agent, and logs out', async () => {
    await request(t.url).get('/auth/me').expect(403);

    const login = await request(t.url)
      .post('/auth/login')
      .set('User-Agent', 'PassportTest/1.0')
      .send({ username: 'alice', password: 'alice-secret' })
      .expect(200, { username: 'alice' });
    const key = sessionCookie(login.headers)!.value;
    expect(key).toMatch(/^[a-z0-9]{32}$/);

    const row = await t.dataSource.getRepository(QSession).findOneByOrFail({ userId: alice.id });
    expect(row.sessionData).toBe(JSON.stringify({ passport: { user: alice.id } }));

    const me = await request(t.url)
      .get('/auth/me')
      .set('Cookie', `sessionid=${key}`)
      .set('User-Agent', 'PassportTest/1.0')
      .expect(200);
    expect(me.body.username).toBe('alice');
    expect(me.body.sessions).toEqual([
      expect.objectContaining({ id: row.sessionKey, ip: '127.0.0.1', userAgent: 'PassportTest/1.0', current: true }),
    ]);

    const logout = await request(t.url)
      .post('/auth/logout')
      .set('Cookie', `sessionid=${key}`)
      .set('User-Agent', 'PassportTest/1.0')
      .expect(200);
    expect(sessionCookie(logout.headers)?.attributes['max-age']).toBe('0');
    expect(await t.dataSource.getRepository(QSession).countBy({ userId: alice.id })).toBe(0);
    await request(t.url).get('/auth/me').set('Cookie', `sessionid=${key}`).expect(403);
  });

  it('rotates the session key at login (no fixation)', async () => {
    const anonymous = await request(t.url).get('/modify_session').expect(200);
    const before = sessionCookie(anonymous.headers)!.value;
    const login = await request(t.url)
      .post('/auth/login')
      .set('Cookie', `sessionid=${before}`)
      .send({ username: 'alice', password: 'alice-secret' })
      .expect(200);
    const after = sessionCookie(login.headers)!.value;
    expect(after).not.toBe(before);
    await request(t.url).get('/read_session').set('Cookie', `sessionid=${before}`).expect(200, {});
  });

  it('refuses wrong credentials without creating a session', async () => {
    const response = await request(t.url).post('/auth/login').send({ username: 'alice', password: 'nope' }).expect(401);
    expect(sessionCookie(response.headers)).toBeUndefined();
  });
});
