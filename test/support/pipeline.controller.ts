import {
  Catch,
  Controller,
  Get,
  HttpException,
  Injectable,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { CurrentSession, type RequestSession } from '../../lib/index.js';

/**
 * Routes that show `req.session` is there for every stage of Nest's pipeline (guards run before
 * interceptors, filters after a failure), on Express and Fastify alike.
 */

/** What one stage saw of the session. */
export interface StageView {
  /** `req.session` was a session object. */
  present: boolean;
  /** The value of its FOO property. */
  foo: unknown;
  /** On Fastify, `req.session` and `req.raw.session` are the same object (always true on Express). */
  sameAsRaw: boolean;
}

type AnyRequest = { session?: RequestSession; raw?: { session?: RequestSession } } & Record<symbol, unknown>;

const SEEN = Symbol('pipeline.seen');

function view(req: AnyRequest): StageView {
  const session = req.session;
  return {
    present: typeof session === 'object' && session !== null && typeof session.save === 'function',
    foo: session?.FOO ?? null,
    sameAsRaw: req.raw ? req.raw.session === session : true,
  };
}

function seen(req: AnyRequest): Record<string, StageView> {
  const target = (req.raw ?? req) as Record<symbol, unknown>;
  target[SEEN] ??= {};
  return target[SEEN] as Record<string, StageView>;
}

/** Records what it sees and writes to the session (as passport's guards do). */
@Injectable()
export class SessionProbeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AnyRequest>();
    seen(req).guard = view(req);
    if (req.session) req.session.GUARD_RAN = true;
    return true;
  }
}

@Injectable()
export class SessionProbeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<AnyRequest>();
    seen(req).interceptorBefore = view(req);
    return next.handle().pipe(
      map((body: unknown) => {
        seen(req).interceptorAfter = view(req);
        return { ...(body as object), seen: seen(req) };
      }),
    );
  }
}

/** Thrown by the filtered route. */
export class ProbeException extends HttpException {
  constructor() {
    super('probe', 409);
  }
}

/** Answers 409 with what it saw, after writing to the session (which must still be saved). */
@Catch(ProbeException)
export class SessionProbeFilter implements ExceptionFilter {
  catch(_exception: ProbeException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<AnyRequest>();
    const res = http.getResponse<{ status(code: number): { send(body: unknown): unknown } }>();
    seen(req).filter = view(req);
    if (req.session) req.session.FILTER_RAN = true;
    res.status(409).send({ seen: seen(req) });
  }
}

@Controller('pipeline')
export class PipelineController {
  @Get('guarded')
  @UseGuards(SessionProbeGuard)
  @UseInterceptors(SessionProbeInterceptor)
  guarded(@CurrentSession() session: RequestSession) {
    return { handlerFoo: session.FOO ?? null, guardRan: session.GUARD_RAN ?? null };
  }

  @Get('filtered')
  @UseGuards(SessionProbeGuard)
  @UseFilters(SessionProbeFilter)
  filtered(): never {
    throw new ProbeException();
  }
}
