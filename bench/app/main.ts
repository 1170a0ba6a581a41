import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { findVariant } from '../variants.js';
import { APP_ENV, type AppReadyMessage } from './ipc.js';
import { variantApp } from './variants/variant-apps.js';

// One benchmark app process: `BENCH_VARIANT=<name> node bench/dist/app/main.js`, started by the
// benchmark (bench/process/app-process.ts) with an IPC channel. It listens on a free port of
// 127.0.0.1, says so over IPC, and exits when told to (SIGTERM) or when the benchmark goes away.

const variant = findVariant(process.env[APP_ENV.variant]);
if (!variant) {
  console.error(`bench app: unknown ${APP_ENV.variant}=${JSON.stringify(process.env[APP_ENV.variant])}`);
  process.exit(2);
}
if (!process.send) {
  console.error('bench app: start me from the benchmark (npm run bench), which talks to me over IPC');
  process.exit(2);
}

const setup = variantApp(variant, {
  redisPrefix: process.env[APP_ENV.redisPrefix] ?? 'qsbench:manual:',
  sqliteDir: process.env[APP_ENV.sqliteDir] ?? '.',
});

try {
  const app = await NestFactory.create<NestExpressApplication>(setup.module, {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  await setup.install?.(app);
  await app.listen(0, '127.0.0.1');

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    try {
      await app.close();
      await setup.close?.();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  // The benchmark died or was interrupted: never outlive it.
  process.on('disconnect', () => void shutdown());

  const { port } = app.getHttpServer().address() as { port: number };
  const ready: AppReadyMessage = { type: 'bench-app-ready', port };
  process.send(ready);
} catch (error) {
  console.error(`bench app ${variant.name}: failed to start:`, error);
  process.exit(1);
}
