import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QSessionsConfigError, QSessionsModule, type QSessionsModuleOptions } from '../lib/index.js';
import { dataSourceOptions } from './support/databases.js';
import { IntUser } from './support/users.js';

// forRootAsync()'s factory result goes through the same option check as forRoot()'s options:
// a typo returned by the factory fails start-up with the same message, not silently later.

const MISTYPED = {
  engine: 'cached_db',
  cache: { redisURL: 'redis://127.0.0.1:6379' },
  cookie: { maxage: 3_600_000 },
} as unknown as QSessionsModuleOptions;

/** The error starting an application context with this QSessionsModule fails with. */
async function startupError(qsessions: DynamicModule): Promise<unknown> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        ...dataSourceOptions('sqlite'),
        entities: [IntUser],
        autoLoadEntities: true,
        synchronize: true,
        retryAttempts: 0,
      }),
      qsessions,
    ],
  })
  class AppModule {}
  try {
    const context = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    await context.close();
  } catch (error) {
    return error;
  }
  throw new Error('the app started');
}

describe('options with unknown keys fail start-up', () => {
  const expected = [
    'unknown option `cookie.maxage`; did you mean `cookie.maxAge`?',
    'unknown option `cache.redisURL`; did you mean `cache.redisUrl`?',
  ];

  it.each([
    ['forRoot()', () => QSessionsModule.forRoot({ userEntity: IntUser, ...MISTYPED })],
    [
      'forRootAsync() with a sync factory',
      () => QSessionsModule.forRootAsync({ userEntity: IntUser, useFactory: () => MISTYPED }),
    ],
    [
      'forRootAsync() with an async factory',
      () => QSessionsModule.forRootAsync({ userEntity: IntUser, useFactory: async () => MISTYPED }),
    ],
  ])('from %s, with the same message', async (_label, qsessions) => {
    const error = await startupError(qsessions());
    expect(error).toBeInstanceOf(QSessionsConfigError);
    expect((error as QSessionsConfigError).problems).toEqual(expected);
    expect((error as Error).message).toBe(
      `nest-qsessions: invalid QSessionsModule options:\n${expected.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  });
});
