import { join } from 'node:path';
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
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { CurrentSession, QSessionsModule, SessionService, type RequestSession } from 'nest-qsessions';
import { DataSource } from 'typeorm';
import { HTTP_DATABASE, HTTP_USERS, POSTGRES, REDIS_URL } from '../../bench-config.js';
import type { QSessionsVariant } from '../../variants.js';
import { BenchUser, seedBenchUsers } from '../bench-user.entity.js';
import { LOGIN_PATH, READ_PATH, WRITE_PATH, loginUserId, type ReadResponse } from '../routes.js';
import type { VariantApp } from './variant-app.js';

@Controller()
class QSessionsController {
  constructor(private readonly sessions: SessionService) {}

  @Get(READ_PATH)
  read(@CurrentSession() session: RequestSession): ReadResponse {
    if (typeof session.userId !== 'number') throw new UnauthorizedException();
    return { userId: session.userId, count: typeof session.count === 'number' ? session.count : 0 };
  }

  @Post(WRITE_PATH)
  @HttpCode(200)
  write(@CurrentSession() session: RequestSession): { count: number } {
    if (typeof session.userId !== 'number') throw new UnauthorizedException();
    const count = (typeof session.count === 'number' ? session.count : 0) + 1;
    session.count = count;
    return { count };
  }

  /** The README's sign-in: `SessionService.login()` rotates the key, records the user and saves. */
  @Post(LOGIN_PATH)
  @HttpCode(200)
  async login(@Req() req: object, @Query('user') user?: string): Promise<{ userId: number }> {
    const userId = loginUserId(user);
    await this.sessions.login(req, userId);
    return { userId };
  }
}

@Module({})
class QSessionsBenchModule {
  static forVariant(variant: QSessionsVariant, settings: { redisPrefix: string; sqliteDir: string }): DynamicModule {
    const database: TypeOrmModuleOptions =
      variant.database === 'sqlite'
        ? // A file, not :memory:, so that each save really goes through SQLite's journal to disk.
          { type: 'better-sqlite3', database: join(settings.sqliteDir, `qsessions-${process.pid}.db`) }
        : {
            type: 'postgres',
            host: POSTGRES.host,
            port: POSTGRES.port,
            username: POSTGRES.user,
            database: HTTP_DATABASE,
          };
    return {
      module: QSessionsBenchModule,
      imports: [
        TypeOrmModule.forRoot({
          ...database,
          entities: [BenchUser],
          autoLoadEntities: true,
          synchronize: true,
          retryAttempts: 0,
        } as TypeOrmModuleOptions),
        // Defaults, plus the user entity; the cache of cached_db is the built-in in-memory one
        // (there is no app CACHE_MANAGER here) or Redis under the benchmark's key prefix.
        QSessionsModule.forRoot({
          userEntity: BenchUser,
          engine: variant.engine,
          ...(variant.cache === 'redis' && { cache: { redisUrl: REDIS_URL, keyPrefix: `${settings.redisPrefix}qs:` } }),
        }),
      ],
      controllers: [QSessionsController],
    };
  }
}

export function qsessionsApp(
  variant: QSessionsVariant,
  settings: { redisPrefix: string; sqliteDir: string },
): VariantApp {
  return {
    module: QSessionsBenchModule.forVariant(variant, settings),
    async install(app) {
      // Sessions are owned by users that exist (the session table has a foreign key to them).
      await seedBenchUsers(app.get(DataSource), HTTP_USERS);
    },
  };
}
