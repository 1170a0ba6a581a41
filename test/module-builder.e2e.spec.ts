import request from 'supertest';
import {
  Controller,
  Get,
  Injectable,
  Module,
  type DynamicModule,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  CurrentSession,
  getQSessionsOptionsToken,
  getSessionCacheToken,
  getSessionStoreToken,
  QSession,
  QSessionsModule,
  RequestSession,
  SessionService,
  setQSessionUserEntity,
  type QSessionsModuleOptions,
  type QSessionsOptionsFactory,
} from '../lib/index.js';
import { CachedSessionStore } from '../lib/session/cached-session-store.js';
import type { SessionRecord, UserId } from '../lib/session/session-record.js';
import type { SessionStore } from '../lib/session/session-store.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { dataSourceOptions } from './support/databases.js';
import { sessionCookie } from './support/http.js';
import { IntUser, UuidUser } from './support/users.js';

// QSessionsModule as ConfigurableModuleBuilder makes it: forRootAsync() with a factory, a class
// or an existing provider; the token getters a test overrides; isGlobal; and one user entity per
// app. Every app here is a real one on in-memory SQLite, driven over HTTP where it matters.

@Controller()
class VisitController {
  @Get('visit')
  visit(@CurrentSession() session: RequestSession) {
    session.visits = ((session.visits as number) ?? 0) + 1;
    return { visits: session.visits };
  }
}

/** The app's settings, from a module of its own (as ConfigModule would give them). */
@Injectable()
class Settings {
  readonly cookieName = 'from_settings';
}
@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

/** Options from a class that injects the settings; counts its calls, to tell which instance served. */
@Injectable()
class SessionOptions implements QSessionsOptionsFactory {
  calls = 0;
  constructor(private readonly settings: Settings) {}
  createQSessionsOptions(): QSessionsModuleOptions {
    this.calls++;
    return { cookie: { name: this.settings.cookieName } };
  }
}
@Module({ imports: [SettingsModule], providers: [SessionOptions], exports: [SessionOptions] })
class SessionOptionsModule {}

const typeorm = (name?: string, entities: Type[] = [IntUser]) =>
  TypeOrmModule.forRoot({
    ...dataSourceOptions('sqlite'),
    name,
    entities,
    autoLoadEntities: true,
    synchronize: true,
    retryAttempts: 0,
  });

async function listen(module: Type): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(module, { logger: false, abortOnError: false });
  return { app, url: await listenOn(app) };
}

async function listenOn(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
}

/** Two requests of one browser: the session is created, then read back and saved again. */
async function visitTwice(url: string, cookieName = 'sessionid'): Promise<void> {
  const first = await request(url).get('/visit').expect(200, { visits: 1 });
  const key = sessionCookie(first.headers, cookieName)?.value;
  expect(key).toMatch(/^[a-z0-9]{32}$/);
  await request(url).get('/visit').set('Cookie', `${cookieName}=${key}`).expect(200, { visits: 2 });
}

function appWith(...imports: Array<Type | DynamicModule>): Type {
  @Module({ imports, controllers: [VisitController] })
  class AppModule {}
  return AppModule;
}

describe('QSessionsModule.forRootAsync()', () => {
  it('with useFactory, injects providers of `imports`', async () => {
    const { app, url } = await listen(
      appWith(
        typeorm(),
        QSessionsModule.forRootAsync({
          userEntity: IntUser,
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({ cookie: { name: settings.cookieName } }),
        }),
      ),
    );
    try {
      await visitTwice(url, 'from_settings');
    } finally {
      await app.close();
    }
  });

  it('with useFactory and `dataSource` given next to userEntity, needs no dataSource from the factory', async () => {
    const { app, url } = await listen(
      appWith(
        typeorm('sessions'),
        QSessionsModule.forRootAsync({ userEntity: IntUser, dataSource: 'sessions', useFactory: async () => ({}) }),
      ),
    );
    try {
      await visitTwice(url);
      expect(await app.get<DataSource>(getDataSourceToken('sessions')).getRepository(QSession).count()).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('with useClass, instantiates the class inside the module, injecting from `imports`', async () => {
    const { app, url } = await listen(
      appWith(
        typeorm(),
        QSessionsModule.forRootAsync({ userEntity: IntUser, imports: [SettingsModule], useClass: SessionOptions }),
      ),
    );
    try {
      await visitTwice(url, 'from_settings');
    } finally {
      await app.close();
    }
  });

  it('with useExisting, reuses the provider an imported module exports', async () => {
    const { app, url } = await listen(
      appWith(
        typeorm(),
        QSessionsModule.forRootAsync({
          userEntity: IntUser,
          imports: [SessionOptionsModule],
          useExisting: SessionOptions,
        }),
      ),
    );
    try {
      await visitTwice(url, 'from_settings');
      // The module's own instance: useClass would have made a second one and left this at 0.
      expect(app.select(SessionOptionsModule).get(SessionOptions).calls).toBe(1);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['no useFactory, useClass or useExisting', {}],
    ['both useClass and useFactory', { useClass: SessionOptions, useFactory: () => ({}) }],
    ['a useFactory that is not a function', { useFactory: { engine: 'db' } }],
  ])('refuses %s, saying what it needs', (_label, sources) => {
    expect(() => QSessionsModule.forRootAsync({ userEntity: IntUser, ...(sources as object) })).toThrow(
      /forRootAsync\(\) needs one of `useFactory` .*, `useClass` or `useExisting`/,
    );
  });
});

/** A store that records each call it passes on to the real one. */
class RecordingStore implements SessionStore {
  readonly calls: string[] = [];
  inner!: SessionStore;
  get(digest: string) {
    this.calls.push('get');
    return this.inner.get(digest);
  }
  create(record: SessionRecord) {
    this.calls.push('create');
    return this.inner.create(record);
  }
  update(record: SessionRecord) {
    this.calls.push('update');
    return this.inner.update(record);
  }
  delete(digests: readonly string[]) {
    this.calls.push('delete');
    return this.inner.delete(digests);
  }
  deleteOfUser(userId: UserId, digest: string) {
    this.calls.push('deleteOfUser');
    return this.inner.deleteOfUser(userId, digest);
  }
  relabelOfUser(userId: UserId, digest: string, label: string | null) {
    this.calls.push('relabelOfUser');
    return this.inner.relabelOfUser(userId, digest, label);
  }
  listByUser(userId: UserId) {
    this.calls.push('listByUser');
    return this.inner.listByUser(userId);
  }
  liveDigestsOfUser(userId: UserId) {
    this.calls.push('liveDigestsOfUser');
    return this.inner.liveDigestsOfUser(userId);
  }
  deleteExpiredBatch(limit: number) {
    this.calls.push('deleteExpiredBatch');
    return this.inner.deleteExpiredBatch(limit);
  }
  recheckUserSessions() {
    this.calls.push('recheckUserSessions');
    return this.inner.recheckUserSessions();
  }
}

describe('overriding the module in a test (Test.createTestingModule)', () => {
  it('getSessionStoreToken(): every request goes through the overriding store', async () => {
    const recording = new RecordingStore();
    const moduleRef = await Test.createTestingModule({
      imports: [typeorm(), QSessionsModule.forRoot({ userEntity: IntUser, engine: 'cached_db' })],
      controllers: [VisitController],
    })
      .overrideProvider(getSessionStoreToken())
      .useValue(recording)
      .compile();
    recording.inner = new TypeOrmSessionStore(moduleRef.get(DataSource));
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await visitTwice(await listenOn(app));
      // The cached_db engine would have put its cache in front: the override replaced the whole store.
      expect(recording.calls).toEqual(['create', 'get', 'update']);
      expect(app.get(SessionService)).toBeInstanceOf(SessionService);
      expect(await moduleRef.get(DataSource).getRepository(QSession).count()).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('getQSessionsOptionsToken(): the overriding options replace the factory’s, and are checked as usual', async () => {
    const build = (options: unknown) =>
      Test.createTestingModule({
        imports: [
          typeorm(),
          QSessionsModule.forRootAsync({ userEntity: IntUser, imports: [SettingsModule], useClass: SessionOptions }),
        ],
        controllers: [VisitController],
      })
        .overrideProvider(getQSessionsOptionsToken())
        .useValue(options)
        .compile();

    const app = (await build({ cookie: { name: 'overridden' } })).createNestApplication({ logger: false });
    try {
      await visitTwice(await listenOn(app), 'overridden');
    } finally {
      await app.close();
    }
    await expect(build({ cookie: { nmae: 'typo' } })).rejects.toThrow(/unknown option `cookie.nmae`/);
  });

  it('getSessionCacheToken(): null runs cached_db straight on the table', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [typeorm(), QSessionsModule.forRoot({ userEntity: IntUser, engine: 'cached_db' })],
      controllers: [VisitController],
    })
      .overrideProvider(getSessionCacheToken())
      .useValue(null)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      const store = app.get(getSessionStoreToken());
      expect(store).toBeInstanceOf(TypeOrmSessionStore);
      expect(store).not.toBeInstanceOf(CachedSessionStore);
      await visitTwice(await listenOn(app));
    } finally {
      await app.close();
    }
  });
});

describe('isGlobal', () => {
  @Injectable()
  class Consumer {
    constructor(readonly sessions: SessionService) {}
  }

  it('is true by default: SessionService is injectable in a module that does not import QSessionsModule', async () => {
    @Module({ providers: [Consumer], exports: [Consumer] })
    class FeatureModule {}
    const app = await NestFactory.createApplicationContext(
      appWith(typeorm(), QSessionsModule.forRoot({ userEntity: IntUser }), FeatureModule),
      { logger: false, abortOnError: false },
    );
    try {
      expect(app.get(Consumer).sessions).toBeInstanceOf(SessionService);
    } finally {
      await app.close();
    }
  });

  it('false keeps SessionService to the modules that import the registration', async () => {
    const sessions = QSessionsModule.forRoot({ userEntity: IntUser, isGlobal: false });
    @Module({ providers: [Consumer] })
    class WithoutImport {}
    @Module({ imports: [sessions], providers: [Consumer], exports: [Consumer] })
    class WithImport {}

    await expect(
      NestFactory.createApplicationContext(appWith(typeorm(), sessions, WithoutImport), {
        logger: false,
        abortOnError: false,
      }),
    ).rejects.toThrow(/SessionService at index \[0\] is available in the WithoutImport\b/);

    // The same registration, imported where it is needed: one module, and sessions still work.
    const { app, url } = await listen(appWith(typeorm(), sessions, WithImport));
    try {
      expect(app.select(WithImport).get(Consumer).sessions).toBe(app.get(SessionService));
      await visitTwice(url);
    } finally {
      await app.close();
    }
  });

  it('must be a boolean', () => {
    expect(() => QSessionsModule.forRoot({ userEntity: IntUser, isGlobal: 'no' as never })).toThrow(
      /`isGlobal` must be true or false/,
    );
  });
});

describe('one user entity per app', () => {
  it('refuses a second registration with a different userEntity, naming both', () => {
    QSessionsModule.forRoot({ userEntity: IntUser });
    const message =
      'nest-qsessions: QSessionsModule is registered twice with different user entities: `userEntity: IntUser`, ' +
      'then `userEntity: UuidUser`.';
    expect(() => QSessionsModule.forRoot({ userEntity: UuidUser })).toThrow(message);
    expect(() => QSessionsModule.forRootAsync({ userEntity: UuidUser, useFactory: () => ({}) })).toThrow(message);
  });

  it('accepts the same userEntity twice: the app starts', async () => {
    @Module({
      imports: [QSessionsModule.forRootAsync({ userEntity: IntUser, useFactory: () => ({ engine: 'db' }) })],
    })
    class FeatureModule {}
    const app = await NestFactory.createApplicationContext(
      appWith(typeorm(), QSessionsModule.forRoot({ userEntity: IntUser }), FeatureModule),
      { logger: false, abortOnError: false },
    );
    await app.close();
  });

  it('accepts another userEntity for the next app, once a DataSource has read the first', async () => {
    const first = await listen(appWith(typeorm(), QSessionsModule.forRoot({ userEntity: IntUser })));
    await first.app.close();
    const second = await listen(
      appWith(typeorm(undefined, [UuidUser]), QSessionsModule.forRoot({ userEntity: UuidUser })),
    );
    try {
      await visitTwice(second.url);
    } finally {
      await second.app.close();
    }
  });

  it('fails start-up when the DataSource was built for another user entity', async () => {
    const module = appWith(typeorm(undefined, [IntUser, UuidUser]), QSessionsModule.forRoot({ userEntity: IntUser }));
    // Registered after the module: the app's DataSource points QSession at UuidUser.
    setQSessionUserEntity(UuidUser);
    await expect(NestFactory.create(module, { logger: false, abortOnError: false })).rejects.toThrow(
      'nest-qsessions: this QSessionsModule registration has `userEntity: IntUser`, but the QSession entity of ' +
        'the TypeORM DataSource points at UuidUser',
    );
  });
});
