import {
  ConfigurableModuleBuilder,
  type DynamicModule,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { QSessionsMiddleware } from './http/qsessions.middleware.js';
import { isOptionObject } from './options/option-object.js';
import {
  QSESSIONS_CACHE,
  QSESSIONS_DATA_SOURCE,
  QSESSIONS_LIFECYCLE,
  QSESSIONS_MODULE_OPTIONS,
  QSESSIONS_OPTIONS_WITH_DATA_SOURCE,
  QSESSIONS_RESOLVED_OPTIONS,
  QSESSIONS_SESSION_CACHE,
  QSESSIONS_CLOCK,
  QSESSIONS_STORE,
  QSESSIONS_USER_ENTITY,
} from './qsessions.constants.js';
import type { QSessionsModuleOptions } from './qsessions.options.js';
import { createQSessionsProviders } from './qsessions.providers.js';
import { SessionService } from './services/session.service.js';
import { LiveSessions } from './live/live-sessions.service.js';
import { SocketSessionGuard } from './guards/socket-session.guard.js';
import { QSession } from './typeorm/qsession.entity.js';
import { QSessionRevocation } from './typeorm/qsession-revocation.entity.js';
import { QSessionHistoryEntry } from './typeorm/qsession-history.entity.js';
import { QSessionRevokeLink } from './typeorm/qsession-revoke-link.entity.js';
import { entityName, registerModuleUserEntity, type UserEntityClass } from './typeorm/user-entity.js';

/**
 * What `forRoot()` and `forRootAsync()` take next to the options themselves: settings of the
 * registration, known before the app starts, which an async factory cannot supply.
 */
export interface QSessionsModuleExtras {
  /**
   * Make the module global, so that `SessionService` and `QSessionsMiddleware` can be injected
   * in every module without importing it. Default true. With false, only modules that import
   * this registration (the same `DynamicModule` object) can inject them. The middleware is
   * mounted on every route either way (see `mountMiddleware`).
   */
  isGlobal?: boolean;
}

/**
 * A class that supplies the options to `forRootAsync({ useClass })` or
 * `forRootAsync({ useExisting })`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class SessionOptions implements QSessionsOptionsFactory {
 *   createQSessionsOptions(): QSessionsModuleOptions {
 *     return { engine: 'cached_db', cache: { redisUrl: process.env.REDIS_URL } };
 *   }
 * }
 * ```
 */
export interface QSessionsOptionsFactory {
  /** The options (everything but `userEntity`, `dataSource` and `isGlobal`), or a promise of them. */
  createQSessionsOptions(): QSessionsModuleOptions | Promise<QSessionsModuleOptions>;
}

/**
 * `forRootAsync()` options: the options come from exactly one of `useFactory`, `useClass` or
 * `useExisting`; `userEntity`, `dataSource` and `isGlobal` are given here, since they are needed
 * before any provider exists.
 */
export interface QSessionsModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'>, QSessionsModuleExtras {
  /** The app's TypeORM user entity. Given here, not by the factory: entities are known before start-up. */
  userEntity: UserEntityClass;
  /** Name of the TypeORM DataSource to store sessions in (default: the default one). */
  dataSource?: string;
  /** A function that returns the options (or a promise of them); it may inject providers (`inject`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory?: (...args: any[]) => QSessionsModuleOptions | Promise<QSessionsModuleOptions>;
  /** Providers to inject into `useFactory`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
  /** A class implementing {@link QSessionsOptionsFactory}, instantiated inside the module. */
  useClass?: Type<QSessionsOptionsFactory>;
  /**
   * A provider implementing {@link QSessionsOptionsFactory} that already exists: exported by a
   * module in `imports` (or a global one). It is reused, not instantiated again.
   */
  useExisting?: Type<QSessionsOptionsFactory>;
}

/** The extras as the builder hands them to the definition transform: both call forms' own keys included. */
interface RegistrationExtras extends QSessionsModuleExtras {
  userEntity?: UserEntityClass;
  dataSource?: string;
}

// `userEntity` is listed (as undefined) so that the builder takes it off forRoot()'s object before
// that object becomes the options provider: the options check then sees the settings only.
// `dataSource` is left in the options on purpose: the check compares it with the registration's.
const EXTRAS: RegistrationExtras = { isGlobal: true, userEntity: undefined };

/**
 * The base class of QSessionsModule: `forRoot()` and `forRootAsync()` (with `useFactory`,
 * `useClass` or `useExisting`), built by Nest's ConfigurableModuleBuilder, whose options provider
 * is QSESSIONS_MODULE_OPTIONS.
 */
export const { ConfigurableModuleClass: QSessionsConfigurableModule } =
  new ConfigurableModuleBuilder<QSessionsModuleOptions>({ optionsInjectionToken: QSESSIONS_MODULE_OPTIONS })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createQSessionsOptions')
    .setExtras(EXTRAS, completeDefinition)
    .build();

/** Adds what every registration has to the builder's definition (its options provider and imports). */
function completeDefinition(definition: DynamicModule, extras: RegistrationExtras): DynamicModule {
  if (extras.isGlobal !== undefined && typeof extras.isGlobal !== 'boolean') {
    throw new TypeError(`nest-qsessions: \`isGlobal\` must be true or false, not ${JSON.stringify(extras.isGlobal)}.`);
  }
  // Here, when the app module is declared: the QSession entity must know its user entity before
  // any DataSource builds its metadata.
  const userEntity = extras.userEntity as UserEntityClass;
  registerModuleUserEntity(userEntity);
  const dataSource = extras.dataSource;
  return {
    ...definition,
    global: extras.isGlobal ?? true,
    imports: [
      ...(definition.imports ?? []),
      TypeOrmModule.forFeature([QSession, QSessionRevocation, QSessionHistoryEntry, QSessionRevokeLink], dataSource),
    ],
    providers: [
      ...(definition.providers ?? []),
      {
        provide: QSESSIONS_OPTIONS_WITH_DATA_SOURCE,
        inject: [QSESSIONS_MODULE_OPTIONS],
        useFactory: (given: unknown) => withDataSource(given, dataSource),
      },
      {
        provide: QSESSIONS_USER_ENTITY,
        inject: [QSESSIONS_DATA_SOURCE],
        useFactory: (source: DataSource) => assertUserEntityOf(source, userEntity, dataSource),
      },
      ...createQSessionsProviders(dataSource),
      QSessionsMiddleware,
      SessionService,
      LiveSessions,
      SocketSessionGuard,
    ] satisfies Provider[],
    // The lifecycle is exported so that QSessionsMiddleware can be applied from any module; the
    // DataSource and the caches so that QSessionsHealthIndicator (nest-qsessions/health) can be.
    exports: [
      SessionService,
      LiveSessions,
      SocketSessionGuard,
      QSessionsMiddleware,
      QSESSIONS_RESOLVED_OPTIONS,
      QSESSIONS_LIFECYCLE,
      QSESSIONS_DATA_SOURCE,
      QSESSIONS_CACHE,
      QSESSIONS_SESSION_CACHE,
    ],
  };
}

/**
 * The options with the registration's DataSource name when they leave it out: forRootAsync()
 * takes `dataSource` next to `userEntity`, so its factory need not repeat it. Anything else
 * (a different name, or not an object) goes on unchanged, for the options check to report.
 */
function withDataSource(given: unknown, dataSource: string | undefined): unknown {
  if (dataSource === undefined) return given;
  if (given === undefined) return { dataSource };
  if (isOptionObject(given) && !Object.hasOwn(given, 'dataSource')) return { ...given, dataSource };
  return given;
}

/**
 * The registration's user entity, once sure that the DataSource's QSession points at it. It points
 * at the last entity registered in the process, so a second registration with another entity
 * (in a module loaded after this app's DataSource was built, or a setQSessionUserEntity() call)
 * would otherwise leave this registration's sessions tied to the wrong table without a word.
 */
function assertUserEntityOf(
  source: DataSource,
  userEntity: UserEntityClass,
  name: string | undefined,
): UserEntityClass {
  const relation = source.getMetadata(QSession).relations.find((candidate) => candidate.propertyName === 'user');
  const target = relation?.type;
  if (target === undefined || target === userEntity) return userEntity;
  throw new Error(
    `nest-qsessions: this QSessionsModule registration has \`userEntity: ${entityName(userEntity)}\`, but the QSession ` +
      `entity of the TypeORM DataSource${name ? ` "${name}"` : ''} points at ${entityName(target)}, registered by another ` +
      'QSessionsModule registration or by setQSessionUserEntity(). Every session row has one foreign key to one user ' +
      'table, so an app has one user entity: give the same `userEntity` everywhere.',
  );
}

/**
 * Injection token of the options as given to `forRoot()` (without `userEntity` and `isGlobal`) or
 * returned by `forRootAsync()`'s factory, before they are checked and completed with defaults.
 * Override it in a test to run the module with other options; they are checked as usual.
 *
 * @example
 * ```ts
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(getQSessionsOptionsToken())
 *   .useValue({ engine: 'db', cookie: { maxAge: 60_000 } })
 *   .compile();
 * ```
 */
export function getQSessionsOptionsToken(): symbol {
  return QSESSIONS_MODULE_OPTIONS;
}

/**
 * Injection token of the session store every request, `SessionService` and the middleware go
 * through (for `cached_db`, the database behind its cache). Override it in a test to observe or
 * replace session storage; the value must implement the store's methods (`get`, `create`,
 * `update`, `delete`, `deleteOfUser`, `relabelOfUser`, `listByUser`, `liveDigestsOfUser`, `deleteExpiredBatch`,
 * `recheckUserSessions`).
 *
 * @example
 * ```ts
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(getSessionStoreToken())
 *   .useValue(recordingStore)
 *   .compile();
 * ```
 */
export function getSessionStoreToken(): symbol {
  return QSESSIONS_STORE;
}

/**
 * Injection token of the cache in front of the database with `engine: 'cached_db'` (null with
 * `'db'`). Override it with `null` in a test to run `cached_db` straight on the database: the
 * store is then the table alone.
 */
export function getSessionCacheToken(): symbol {
  return QSESSIONS_SESSION_CACHE;
}

/**
 * Injection token of the {@link QSessionsClock} the module reads the time from: when sessions
 * expire, when "last active" is refreshed, how long a cache stays distrusted after an outage.
 * Override it in a test to move time forward instead of waiting.
 *
 * @example
 * ```ts
 * let offset = 0;
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(getQSessionsClockToken())
 *   .useValue({ now: () => Date.now() + offset })
 *   .compile();
 * // ...sign in, then let a day pass:
 * offset += 24 * 60 * 60 * 1000;
 * ```
 */
export function getQSessionsClockToken(): symbol {
  return QSESSIONS_CLOCK;
}
