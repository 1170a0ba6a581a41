import 'reflect-metadata';
import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { AppModule } from './app.module.js';
import type { SampleConfig } from './config.js';
import { ensureDatabaseExists } from './database.js';
import { securityHeaders } from './http/security-headers.js';

/**
 * Creates the sample app (not listening yet): used by main.ts and by the tests, which listen on
 * a free port. The demo users are created when the app starts (`listen()` or `init()`).
 */
export async function createSampleApp(
  config: SampleConfig,
  options: { logger?: LogLevel[] | false } = {},
): Promise<NestExpressApplication> {
  await ensureDatabaseExists(config.database);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: options.logger ?? ['error', 'warn'],
  });
  return configureSampleApp(app);
}

/**
 * What every instance of the sample app gets besides its module: no X-Powered-By, its security
 * headers, and plain WebSockets (`ws`) on its HTTP server for the `/live` gateway.
 */
export function configureSampleApp(app: NestExpressApplication): NestExpressApplication {
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.useWebSocketAdapter(new WsAdapter(app));
  return app;
}
