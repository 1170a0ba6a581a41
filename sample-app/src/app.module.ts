import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QSession, QSessionsModule } from 'nest-qsessions';
import { AccountController } from './account/account.controller.js';
import { AdminSessionsController } from './admin/admin-sessions.controller.js';
import { AdminSessionsService } from './admin/admin-sessions.service.js';
import { AuthController } from './auth/auth.controller.js';
import { CsrfGuard } from './auth/guards.js';
import { VisitorCsrf } from './auth/visitor-csrf.js';
import type { SampleConfig } from './config.js';
import { typeOrmOptions } from './database.js';
import { HtmlExceptionFilter } from './http/html-exception.filter.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { User } from './users/user.entity.js';
import { UsersService } from './users/users.service.js';

/** The sample app, configured by `loadSampleConfig()` (environment variables). */
@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(typeOrmOptions(config)),
        // The app's own repositories: its users, and the library's sessions table for the admin.
        TypeOrmModule.forFeature([User, QSession]),
        QSessionsModule.forRoot({
          userEntity: User,
          engine: config.engine,
          ...(config.engine === 'cached_db' && {
            cache: config.redisUrl ? { redisUrl: config.redisUrl } : { useAppCacheManager: false },
          }),
          geoip: config.geoip,
          trustProxy: config.trustProxy,
          maxSessionsPerUser: config.maxSessionsPerUser,
          onSessionLimit: config.onSessionLimit,
          // Browsers that send User-Agent Client Hints show their real OS version ("macOS 14").
          clientHints: true,
          // Cookie defaults: HttpOnly, SameSite=Lax, Secure on HTTPS.
        }),
      ],
      controllers: [AuthController, SessionsController, AccountController, AdminSessionsController],
      providers: [
        UsersService,
        AdminSessionsService,
        { provide: VisitorCsrf, useValue: new VisitorCsrf(config.csrfSecret) },
        { provide: APP_GUARD, useClass: CsrfGuard },
        { provide: APP_FILTER, useClass: HtmlExceptionFilter },
      ],
    };
  }
}
