import {
  Controller,
  Get,
  HttpCode,
  Module,
  Post,
  Query,
  Req,
  UnauthorizedException,
  type DynamicModule,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Request } from 'express';
import session from 'express-session';
import { HTTP_DATABASE, POSTGRES } from '../../bench-config.js';
import type { ExpressSessionVariant } from '../../variants.js';
import { LOGIN_PATH, READ_PATH, WRITE_PATH, loginUserId, type ReadResponse } from '../routes.js';
import { ConnectTypeormSession } from './connect-typeorm-session.entity.js';
import { openStore } from './express-session-stores.js';
import type { VariantApp } from './variant-app.js';

/** The session data this app keeps (express-session's SessionData is not augmented globally). */
type BenchSession = session.Session & Partial<session.SessionData> & { userId?: number; count?: number };

const sessionOf = (req: Request): BenchSession => req.session as BenchSession;

@Controller()
class ExpressSessionController {
  @Get(READ_PATH)
  read(@Req() req: Request): ReadResponse {
    const data = sessionOf(req);
    if (typeof data.userId !== 'number') throw new UnauthorizedException();
    return { userId: data.userId, count: data.count ?? 0 };
  }

  @Post(WRITE_PATH)
  @HttpCode(200)
  write(@Req() req: Request): { count: number } {
    const data = sessionOf(req);
    if (typeof data.userId !== 'number') throw new UnauthorizedException();
    data.count = (data.count ?? 0) + 1;
    return { count: data.count };
  }

  /**
   * express-session's README sign-in: regenerate the session (against fixation), store the user,
   * save it before answering.
   */
  @Post(LOGIN_PATH)
  @HttpCode(200)
  async login(@Req() req: Request, @Query('user') user?: string): Promise<{ userId: number }> {
    const userId = loginUserId(user);
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((error) => (error ? reject(error) : resolve())),
    );
    // regenerate() replaced req.session: read it again.
    sessionOf(req).userId = userId;
    await new Promise<void>((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
    return { userId };
  }
}

@Module({ controllers: [ExpressSessionController] })
class ExpressSessionModule {}

/**
 * connect-typeorm needs a TypeORM DataSource holding its entity; the other stores do not. Built on
 * demand: a `TypeOrmModule.forRoot()` in a decorator would register a data source in every variant.
 */
function connectTypeormModule(): DynamicModule {
  return {
    module: ExpressSessionModule,
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        host: POSTGRES.host,
        port: POSTGRES.port,
        username: POSTGRES.user,
        database: HTTP_DATABASE,
        entities: [ConnectTypeormSession],
        synchronize: true,
        retryAttempts: 0,
      }),
    ],
  };
}

export function expressSessionApp(variant: ExpressSessionVariant, redisPrefix: string): VariantApp {
  let closeStore = async (): Promise<void> => {};
  return {
    module: variant.store === 'typeorm' ? connectTypeormModule() : ExpressSessionModule,
    async install(app) {
      const opened = await openStore(variant, app, redisPrefix);
      closeStore = opened.close;
      // As express-session's README recommends: a secret, no re-save of unmodified sessions, no
      // storing of empty ones; cookie defaults (Secure needs HTTPS, which this benchmark does not use).
      app.use(
        session({
          secret: 'nest-qsessions benchmark secret, not a real one',
          resave: false,
          saveUninitialized: false,
          store: opened.store,
        }),
      );
    },
    close: () => closeStore(),
  };
}
