import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CurrentSession, QSession, type RequestSession } from '../../lib/index.js';

/** A promise with its resolve function, to hold a request at a known point. */
export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * Holds `/lifecycle/slow-set` and `/lifecycle/slow-read`: `entered` resolves when the handler is
 * running (its session already loaded), and the handler waits for `release` before going on.
 */
export const inFlight = { entered: deferred(), release: deferred() };

export function resetInFlight(): void {
  inFlight.entered = deferred();
  inFlight.release = deferred();
}

type AnyRequest = { session?: RequestSession; raw?: { session?: RequestSession } };

/** Routes the lifecycle suite needs beyond TestController's. */
@Controller('lifecycle')
export class LifecycleController {
  constructor(private readonly dataSource: DataSource) {}

  /** Destroys the session and reports whether `req.session` is gone afterwards. */
  @Post('destroy-check')
  @HttpCode(200)
  async destroyCheck(@Req() req: AnyRequest) {
    await req.session!.destroy();
    return {
      sessionGone: req.session === undefined,
      rawSessionGone: (req.raw ?? req).session === undefined,
    };
  }

  /** Sets the body's properties, saves now, and reads the row back before answering. */
  @Post('save-then-check')
  @HttpCode(200)
  async saveThenCheck(@CurrentSession() session: RequestSession, @Body() body: Record<string, unknown>) {
    Object.assign(session, body);
    await session.save();
    const row = await this.dataSource.getRepository(QSession).findOneBy({ sessionKey: session.publicId });
    return { stored: session.isStored, rowData: row ? (JSON.parse(row.sessionData) as unknown) : null };
  }

  /** Changes the session, reloads it, then writes to the same reference the handler was given. */
  @Post('reload-then-set')
  @HttpCode(200)
  async reloadThenSet(@Req() req: AnyRequest, @CurrentSession() session: RequestSession) {
    session.UNSAVED = true;
    await session.reload();
    const unsaved = session.UNSAVED ?? null;
    session.AFTER_RELOAD = 1;
    return { unsaved, same: req.session === session, data: { ...session } };
  }

  /** Sets an app cookie on the response and modifies the session. */
  @Get('app-cookie')
  appCookie(@CurrentSession() session: RequestSession, @Res({ passthrough: true }) res: unknown) {
    session.WITH_APP_COOKIE = true;
    const express = res as { cookie?: (name: string, value: string, options: object) => void };
    if (typeof express.cookie === 'function') {
      express.cookie('app', 'hello', { path: '/' });
    } else {
      (res as { header(name: string, value: string): void }).header('set-cookie', 'app=hello; Path=/');
    }
    return { ok: true };
  }

  /** Waits for the test, then sets the body's properties. */
  @Post('slow-set')
  @HttpCode(200)
  async slowSet(@CurrentSession() session: RequestSession, @Body() body: Record<string, unknown>) {
    inFlight.entered.resolve();
    await inFlight.release.promise;
    Object.assign(session, body);
    return { ok: true };
  }

  /** Waits for the test, then only reads the session. */
  @Get('slow-read')
  async slowRead(@CurrentSession() session: RequestSession) {
    inFlight.entered.resolve();
    await inFlight.release.promise;
    return { ...session };
  }
}
