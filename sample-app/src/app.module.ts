import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QSession, QSessionsModule, type QSessionsCacheOptions } from 'nest-qsessions';
import { AccountController } from './account/account.controller.js';
import { ActivityController } from './account/activity.controller.js';
import { AdminSessionsController } from './admin/admin-sessions.controller.js';
import { AdminSessionsService } from './admin/admin-sessions.service.js';
import { AuthController } from './auth/auth.controller.js';
import { CsrfGuard } from './auth/guards.js';
import { NotMeController } from './auth/not-me.controller.js';
import { VisitorCsrf } from './auth/visitor-csrf.js';
import type { SampleConfig } from './config.js';
import { typeOrmOptions } from './database.js';
import { graphqlApiModule } from './graphql/graphql-api.js';
import { SessionsResolver } from './graphql/sessions.resolver.js';
import { HtmlExceptionFilter } from './http/html-exception.filter.js';
import { PublicUrl } from './http/public-url.js';
import { LiveScriptController } from './live/live-script.controller.js';
import { LiveGateway } from './live/live.gateway.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerPrometheusMetrics } from './metrics/prometheus-metrics.js';
import { createMailer, Mailer } from './mail/mailer.js';
import { NewSignInAlerts } from './mail/new-sign-in-alerts.js';
import { Outbox } from './mail/outbox.js';
import { OutboxController } from './mail/outbox.controller.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { User } from './users/user.entity.js';
import { UsersService } from './users/users.service.js';

/** The sample app, configured by `loadSampleConfig()` (environment variables). */
@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    // Before QSessionsModule starts (it takes its meter then): see registerPrometheusMetrics().
    const prometheus = config.metrics ? registerPrometheusMetrics() : null;
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
            cache: sampleCache(config),
          }),
          geoip: config.geoip,
          trustProxy: config.trustProxy,
          maxSessionsPerUser: config.maxSessionsPerUser,
          onSessionLimit: config.onSessionLimit,
          // Browsers that send User-Agent Client Hints show their real OS version ("macOS 14").
          clientHints: true,
          // Sign-ins, sign-outs and why each session ended, kept 90 days: the security activity
          // page, the new-sign-in e-mails and the sign-in page's "You were signed out..." need it.
          history: true,
          // WebSocket handshakes from pages of other origins get no session; behind a proxy, the
          // public address's origin is the app's own.
          live: { allowedOrigins: config.publicUrl ? [new URL(config.publicUrl).origin] : [] },
          // Cookie defaults: HttpOnly, SameSite=Lax, Secure on HTTPS.
        }),
        // The sessions as a GraphQL API: query mySessions, mutation revokeSession.
        graphqlApiModule(),
      ],
      controllers: [
        AuthController,
        SessionsController,
        AccountController,
        ActivityController,
        NotMeController,
        AdminSessionsController,
        LiveScriptController,
        // The development outbox, only without a mail server (it shows every user's e-mail).
        ...(config.smtpUrl === null ? [OutboxController] : []),
        ...(prometheus ? [MetricsController] : []),
      ],
      providers: [
        UsersService,
        AdminSessionsService,
        Outbox,
        { provide: Mailer, inject: [Outbox], useFactory: (outbox: Outbox) => createMailer(config, outbox) },
        {
          provide: PublicUrl,
          inject: [HttpAdapterHost],
          useFactory: (host: HttpAdapterHost) => new PublicUrl(config.publicUrl, host),
        },
        NewSignInAlerts,
        // The signed-in pages' WebSocket: a page moves to the sign-in form when its session ends.
        LiveGateway,
        SessionsResolver,
        { provide: VisitorCsrf, useValue: new VisitorCsrf(config.csrfSecret) },
        { provide: APP_GUARD, useClass: CsrfGuard },
        { provide: APP_FILTER, useClass: HtmlExceptionFilter },
        ...(prometheus ? [{ provide: PrometheusExporter, useValue: prometheus }] : []),
      ],
    };
  }
}

/** The `cached_db` engine's cache: Redis by URL, a Redis Cluster, or the library's in-memory cache. */
function sampleCache(config: SampleConfig): QSessionsCacheOptions {
  const keyPrefix = config.cachePrefix ? { keyPrefix: config.cachePrefix } : {};
  if (config.redisUrl) return { redisUrl: config.redisUrl, ...keyPrefix };
  if (config.redisCluster) return { cluster: { rootNodes: config.redisCluster }, ...keyPrefix };
  return { useAppCacheManager: false };
}
