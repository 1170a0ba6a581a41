import request from 'supertest';
import {
  Catch,
  Controller,
  Get,
  HttpException,
  Injectable,
  Req,
  Module,
  type ArgumentsHost,
  type ExceptionFilter,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ClientInfo,
  CurrentSession,
  QSessionsMiddleware,
  QSessionsModule,
  RequestSession,
  SessionService,
} from '../lib/index.js';
import { QSESSIONS_RESOLVED_OPTIONS } from '../lib/qsessions.constants.js';
import { dataSourceOptions } from './support/databases.js';
import { sessionCookie } from './support/http.js';
import { IntUser } from './support/users.js';

// Module wiring that a user of the library relies on: forRootAsync, opting out of the automatic
// middleware, and the start-up errors that say how to fix a setup.

@Controller()
class ProbeController {
  @Get('open')
  open(@CurrentSession() session?: RequestSession) {
    return { hasSession: session !== undefined };
  }

  @Get('guarded/visit')
  visit(@CurrentSession() session: RequestSession) {
    session.visits = ((session.visits as number) ?? 0) + 1;
    return { visits: session.visits };
  }
}

@Controller()
class ClientController {
  @Get('client')
  client(@ClientInfo() client: ClientInfo, @Req() req: { socket: { remoteAddress?: string } }) {
    return { ...client, raw: req.socket.remoteAddress };
  }
}

const database = () => ({ ...dataSourceOptions('sqlite'), synchronize: true, retryAttempts: 0 });

async function listen(module: unknown) {
  const app = await NestFactory.create(module as never, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
}

describe('QSessionsModule wiring', () => {
  it('forRootAsync() takes its options from injected providers', async () => {
    @Injectable()
    class Settings {
      readonly cookieName = 'app_session';
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}

    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...database(), entities: [IntUser], autoLoadEntities: true }),
        QSessionsModule.forRootAsync({
          userEntity: IntUser,
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({ engine: 'cached_db', cookie: { name: settings.cookieName } }),
        }),
      ],
      controllers: [ProbeController],
    })
    class AppModule {}

    const { app, url } = await listen(AppModule);
    try {
      expect(app.get(QSESSIONS_RESOLVED_OPTIONS).engine).toBe('cached_db');
      expect(app.get(SessionService)).toBeInstanceOf(SessionService);
      const response = await request(url).get('/guarded/visit').expect(200);
      expect(sessionCookie(response.headers, 'app_session')?.value).toMatch(/^[a-z0-9]{32}$/);
    } finally {
      await app.close();
    }
  });

  it('with mountMiddleware: false, sessions exist only where the app mounts the middleware', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...database(), entities: [IntUser], autoLoadEntities: true }),
        QSessionsModule.forRoot({ userEntity: IntUser, mountMiddleware: false }),
      ],
      controllers: [ProbeController],
    })
    class AppModule implements NestModule {
      configure(consumer: MiddlewareConsumer) {
        consumer.apply(QSessionsMiddleware).forRoutes('guarded/{*path}');
      }
    }

    const { app, url } = await listen(AppModule);
    try {
      await request(url).get('/open').expect(200, { hasSession: false });
      const first = await request(url).get('/guarded/visit').expect(200, { visits: 1 });
      const key = sessionCookie(first.headers)!.value;
      await request(url).get('/guarded/visit').set('Cookie', `sessionid=${key}`).expect(200, { visits: 2 });
    } finally {
      await app.close();
    }
  });

  const appModule = () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...database(), entities: [IntUser], autoLoadEntities: true }),
        QSessionsModule.forRoot({ userEntity: IntUser }),
      ],
      controllers: [ProbeController],
    })
    class AppModule implements NestModule {
      // An app middleware of its own: it must already see the session.
      configure(consumer: MiddlewareConsumer) {
        consumer
          .apply(
            (
              req: { session?: RequestSession },
              res: { setHeader(name: string, value: string): void },
              next: () => void,
            ) => {
              res.setHeader('x-saw-session', String(req.session !== undefined));
              next();
            },
          )
          .forRoutes('{*path}');
      }
    }
    return AppModule;
  };
  type RouterLayer = { name: string; slash: boolean };
  const qsessionsLayers = (app: Awaited<ReturnType<typeof listen>>['app']) =>
    (app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } }).router.stack.filter(
      (layer) => layer.name === 'qsessionsMiddleware',
    );

  it('on Express without a prefix, mounts the middleware with a path-less use(), ahead of the app middleware', async () => {
    const { app, url } = await listen(appModule());
    try {
      // Path-less: Express matches no path pattern for it on each request.
      expect(qsessionsLayers(app).map((layer) => layer.slash)).toEqual([true]);
      const first = await request(url).get('/guarded/visit').expect(200, { visits: 1 });
      expect(first.headers['x-saw-session']).toBe('true');
      const key = sessionCookie(first.headers)!.value;
      await request(url).get('/guarded/visit').set('Cookie', `sessionid=${key}`).expect(200, { visits: 2 });
      // Every request, as `{*path}` is: an unknown path still passes through it.
      const missing = await request(url).get('/no/such/route').expect(404);
      expect(missing.headers['x-saw-session']).toBe('true');
    } finally {
      await app.close();
    }
  });

  it("on the path-less mount, a store failure still reaches the app's global exception filters", async () => {
    @Catch(HttpException)
    class MarkingFilter implements ExceptionFilter {
      catch(error: HttpException, host: ArgumentsHost) {
        const res = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>();
        res.status(error.getStatus()).json({ filtered: true, status: error.getStatus() });
      }
    }
    const app = await NestFactory.create(appModule() as never, { logger: false, abortOnError: false });
    app.useGlobalFilters(new MarkingFilter());
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    try {
      expect(qsessionsLayers(app).map((layer) => layer.slash)).toEqual([true]);
      await app.get(DataSource).destroy();
      // A well-formed key costs a lookup, which fails: the app's filter answers, not Express's.
      await request(url)
        .get('/open')
        .set('Cookie', `sessionid=${'a'.repeat(32)}`)
        .expect(503, { filtered: true, status: 503 });
    } finally {
      await app.close();
    }
  });

  it('with a global prefix, mounts the middleware through Nest under that prefix', async () => {
    const app = await NestFactory.create(appModule() as never, { logger: false, abortOnError: false });
    app.setGlobalPrefix('api');
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    try {
      expect(qsessionsLayers(app)).toEqual([]);
      const first = await request(url).get('/api/guarded/visit').expect(200, { visits: 1 });
      expect(first.headers['x-saw-session']).toBe('true');
      const key = sessionCookie(first.headers)!.value;
      await request(url).get('/api/guarded/visit').set('Cookie', `sessionid=${key}`).expect(200, { visits: 2 });
    } finally {
      await app.close();
    }
  });

  it('says how to fix a DataSource that does not know the QSession entity', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...database(), entities: [IntUser] }),
        QSessionsModule.forRoot({ userEntity: IntUser }),
      ],
    })
    class AppModule {}

    await expect(NestFactory.create(AppModule, { logger: false, abortOnError: false })).rejects.toThrow(
      /autoLoadEntities: true/,
    );
  });

  it('rejects invalid options at start-up with every problem listed', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...database(), entities: [IntUser], autoLoadEntities: true }),
        QSessionsModule.forRoot({
          userEntity: IntUser,
          engine: 'redis' as never,
          cookie: { sameSite: 'none', secure: false },
        }),
      ],
    })
    class AppModule {}

    const failure = NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await expect(failure).rejects.toThrow(/`engine` must be 'db' or 'cached_db'/);
    await expect(failure).rejects.toThrow(/SameSite=None cookies that are not Secure/);
  });

  it('records an IPv4 client of a dual-stack socket as plain IPv4, not ::ffff:a.b.c.d', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...database(), entities: [IntUser], autoLoadEntities: true }),
        QSessionsModule.forRoot({ userEntity: IntUser }),
      ],
      controllers: [ClientController],
    })
    class AppModule {}

    const app = await NestFactory.create(AppModule, { logger: false });
    // Listening on :: makes Node report IPv4 peers as IPv4-mapped IPv6 addresses.
    await app.listen(0, '::');
    try {
      const { port } = app.getHttpServer().address() as { port: number };
      const response = await request(`http://127.0.0.1:${port}`).get('/client').set('User-Agent', 'Dual/1.0');
      expect(response.body).toEqual({
        ip: '127.0.0.1',
        userAgent: 'Dual/1.0',
        clientHints: null,
        raw: '::ffff:127.0.0.1',
      });
    } finally {
      await app.close();
    }
  });

  it('refuses a missing userEntity with the fix in the message', () => {
    expect(() => QSessionsModule.forRoot({} as never)).toThrow(/userEntity: User/);
  });
});
