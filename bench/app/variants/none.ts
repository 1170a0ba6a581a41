import { Controller, Get, HttpCode, Module, Post, Query } from '@nestjs/common';
import { LOGIN_PATH, READ_PATH, WRITE_PATH, loginUserId, type ReadResponse } from '../routes.js';
import type { VariantApp } from './variant-app.js';

/** The same routes and answers, without any session: the ceiling every variant is compared with. */
@Controller()
class NoSessionController {
  private count = 0;

  @Get(READ_PATH)
  read(): ReadResponse {
    return { userId: 1, count: this.count };
  }

  @Post(WRITE_PATH)
  @HttpCode(200)
  write(): { count: number } {
    return { count: ++this.count };
  }

  @Post(LOGIN_PATH)
  @HttpCode(200)
  login(@Query('user') user?: string): { userId: number } {
    return { userId: loginUserId(user) };
  }
}

@Module({ controllers: [NoSessionController] })
class NoSessionModule {}

export function noSessionApp(): VariantApp {
  return { module: NoSessionModule };
}
