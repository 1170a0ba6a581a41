import type { DynamicModule, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** What a variant family gives the app's main: the root module, and hooks around it. */
export interface VariantApp {
  module: Type<unknown> | DynamicModule;
  /** Runs after the app is created and before it listens (e.g. to mount express-session). */
  install?(app: NestExpressApplication): Promise<void>;
  /** Runs after the app is closed (e.g. to close a store's own connections). */
  close?(): Promise<void>;
}
