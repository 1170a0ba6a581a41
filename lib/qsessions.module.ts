import {
  Inject,
  Module,
  Optional,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChosenCache } from './cache/create-cache.js';
import { QSessionsMiddleware } from './http/qsessions.middleware.js';
import { defineSessionAccessors, getRequestState } from './http/request-state.js';
import { gateResponsePrototype } from './http/response-gate.js';
import type { ResolvedQSessionsOptions } from './options/resolved-options.js';
import type { DataSource } from 'typeorm';
import type { SessionCache } from './session/session-cache.js';
import type { SessionEvents } from './events/session-events.js';
import { activeGeoIpLocator, setActiveGeoIpLocator } from './geoip/active-locator.js';
import type { GeoIpLocator } from './geoip/geoip-locator.js';
import {
  QSESSIONS_CACHE,
  QSESSIONS_DATA_SOURCE,
  QSESSIONS_EVENTS,
  QSESSIONS_GEOIP,
  QSESSIONS_SESSION_CACHE,
  QSESSIONS_RESOLVED_OPTIONS,
  QSESSIONS_USER_ENTITY,
  QSESSIONS_CLOCK,
} from './qsessions.constants.js';
import {
  QSessionsConfigurableModule,
  type QSessionsModuleAsyncOptions,
  type QSessionsModuleExtras,
} from './qsessions.module-definition.js';
import type { QSessionsModuleRootOptions } from './qsessions.options.js';
import { assertSessionsTableExists } from './typeorm/assert-sessions-table.js';
import { UserRemovalSubscriber } from './typeorm/user-removal.subscriber.js';
import type { UserEntityClass } from './typeorm/user-entity.js';
import type { QSessionsClock } from './util/clock.js';

/**
 * Server-side sessions in your SQL database, each knowing its user, IP and User-Agent.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.db', autoLoadEntities: true, synchronize: true }),
 *     QSessionsModule.forRoot({ userEntity: User, engine: 'cached_db' }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
// The builder's class is a base at run time only: its static methods' types (every extra optional)
// would loosen forRoot()'s, whose `userEntity` is required, so they are declared below instead.
export class QSessionsModule
  extends (QSessionsConfigurableModule as new () => object)
  implements NestModule, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy
{
  constructor(
    @Inject(QSESSIONS_RESOLVED_OPTIONS) private readonly options: ResolvedQSessionsOptions,
    @Optional() @Inject(QSESSIONS_CACHE) private readonly cache: ChosenCache | null,
    @Inject(QSESSIONS_SESSION_CACHE) private readonly sessionCache: SessionCache | null,
    @Inject(QSESSIONS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(QSESSIONS_EVENTS) private readonly events: SessionEvents,
    @Inject(QSESSIONS_GEOIP) private readonly geoip: GeoIpLocator,
    private readonly adapterHost: HttpAdapterHost,
    private readonly middleware: QSessionsMiddleware,
    private readonly appConfig: ApplicationConfig,
    @Inject(QSESSIONS_USER_ENTITY) private readonly userEntity: UserEntityClass,
    @Inject(QSESSIONS_CLOCK) private readonly clock: QSessionsClock,
  ) {
    super();
  }

  /**
   * Registers the module with options known up front. Global unless `isGlobal: false`:
   * `SessionService` is injectable anywhere.
   */
  static forRoot(options: QSessionsModuleRootOptions & QSessionsModuleExtras): DynamicModule {
    return QSessionsConfigurableModule.forRoot.call(QSessionsModule, options ?? ({} as QSessionsModuleRootOptions));
  }

  /**
   * Registers the module with options supplied at start-up by a factory (`useFactory`, with
   * `inject`), a class (`useClass`) or an existing provider (`useExisting`), for example from
   * ConfigService. `userEntity`, `dataSource` and `isGlobal` are given here, not by the factory.
   */
  static forRootAsync(options: QSessionsModuleAsyncOptions): DynamicModule {
    const sources = (['useFactory', 'useClass', 'useExisting'] as const).filter((key) => options?.[key] !== undefined);
    if (sources.length !== 1 || typeof options[sources[0]!] !== 'function') {
      throw new TypeError(
        'nest-qsessions: forRootAsync() needs one of `useFactory` (a function that returns the options), ' +
          '`useClass` or `useExisting` (a class implementing QSessionsOptionsFactory)' +
          (sources.length > 1 ? `, not several (${sources.join(', ')}).` : '.'),
      );
    }
    return QSessionsConfigurableModule.forRootAsync.call(QSessionsModule, options);
  }

  configure(consumer: MiddlewareConsumer): void {
    if (!this.options.mountMiddleware) return;
    if (this.mountOnExpressApp()) return;
    consumer.apply(QSessionsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }

  /**
   * On Express, with no global prefix and no versioning (where `{*path}` means every request),
   * the middleware goes straight onto the app with a path-less `use()`. It then runs for the same
   * requests, in the same place (after the body parsers, before every middleware of a
   * MiddlewareConsumer and before guards), and its errors reach Nest's exception filters through
   * `next(error)`; but Express no longer matches a path pattern per request. Measured side by
   * side, a no-op middleware mounted on `{*path}` cost a measurable share of a no-session app's
   * throughput (docs/performance.md); path-less, nothing measurable. Elsewhere (Fastify, a
   * prefix or versions, whose paths Nest works out) it is mounted through the consumer.
   */
  private mountOnExpressApp(): boolean {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter?.getType() !== 'express') return false;
    if (this.appConfig.getGlobalPrefix() || this.appConfig.getVersioning()) return false;
    const app = adapter.getInstance<{
      use(handler: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void): unknown;
    }>();
    const middleware = this.middleware;
    // Named, so that Express's router stack (and stack traces) say whose layer this is.
    app.use(function qsessionsMiddleware(req, res, next) {
      middleware.use(req, res, next).catch(next);
    });
    return true;
  }

  onModuleInit(): void {
    setActiveGeoIpLocator(this.geoip);
    this.dataSource.subscribers.push(
      new UserRemovalSubscriber(this.userEntity, this.sessionCache, this.events, () => this.clock.now()),
    );
    this.decorateFastifyRequest();
    this.extendExpressApp();
  }

  /**
   * On Express, `req.session`/`req.sessionID` and the response gate's wrappers go on this app's
   * own request and response prototypes (`app.request`, `app.response`: Express's documented
   * place for extending one app's requests), where they cost nothing per request; each request
   * and response of the app then carries them, and no other server of the process is touched.
   * Elsewhere they are added to each request (see defineSessionAccessors, gateResponse).
   */
  private extendExpressApp(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter?.getType() !== 'express') return;
    const app = adapter.getInstance<{ request?: object; response?: object }>();
    if (app.request) defineSessionAccessors(app.request);
    if (app.response) gateResponsePrototype(app.response);
  }

  /**
   * Fails start-up when the sessions table is missing, or the table of held revocations while the
   * `cached_db` engine uses a shared cache (see assertSessionsTableExists). Here, and not at module
   * init: by now TypeORM has synchronized or run its migrations (both happen when the DataSource
   * initializes), and so has an app that runs them from its own `onModuleInit`.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      // QSESSIONS_CACHE is null for the `db` engine and for the in-memory cache: neither holds revocations.
      await assertSessionsTableExists(this.dataSource, this.options.dataSource, {
        revocations: this.cache != null,
        history: this.options.history !== null,
      });
    } catch (error) {
      // Start-up stops here and Nest will not destroy the module: what it opened (a Redis
      // connection) must not keep the process alive after the error.
      await this.onModuleDestroy().catch(() => undefined);
      throw error;
    }
  }

  private decorateFastifyRequest(): void {
    // Nest's @Session() reads `request.session`; on Fastify that is Fastify's request object,
    // while the middleware works on the raw Node request underneath it.
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<{
      hasRequestDecorator(name: string): boolean;
      decorateRequest(name: string, value: unknown): void;
    }>();
    if (fastify.hasRequestDecorator('session')) return;
    fastify.decorateRequest('session', {
      getter(this: { raw: unknown }) {
        const state = getRequestState(this.raw);
        return state && !state.destroyed ? state.session : undefined;
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.events.complete();
    this.sessionCache?.close();
    this.geoip.close();
    if (activeGeoIpLocator() === this.geoip) setActiveGeoIpLocator(null);
    await this.cache?.close();
  }
}
