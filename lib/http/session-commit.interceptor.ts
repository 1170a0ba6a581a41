import {
  BadRequestException,
  HttpException,
  Inject,
  Injectable,
  InternalServerErrorException,
  ServiceUnavailableException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA, SSE_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { ServerResponse } from 'node:http';
import { concatMap, finalize, type Observable } from 'rxjs';
import { QSESSIONS_LIFECYCLE } from '../qsessions.constants.js';
import type { RequestSessionState } from '../session/request-session-state.js';
import { getRequestState } from './request-state.js';
import { responseGateOf, type ResponseGate } from './response-gate.js';
import type { CommitReplacement, SessionLifecycle } from '../session/session-lifecycle.js';

/**
 * Saves the session inside Nest's pipeline, once the handler has returned and before Nest writes
 * the response, so that a failed save reaches the app's exception filters as an HttpException
 * (400, 500 or 503, whose `cause` is the library's typed error) rather than as a fixed JSON body.
 * Registered globally by QSessionsModule.
 *
 * A handler that writes the response itself (`@Res()`) has its response held by the response
 * gate while the session is saved: the interceptor waits for that save, and when it failed, the
 * held response is dropped and the error goes to the filters instead. Server-sent events are left
 * to the gate (their headers go out before any value reaches an interceptor), and so is every
 * response that never reaches an interceptor (404s, middleware that answer, exception filters).
 */
@Injectable()
export class SessionCommitInterceptor implements NestInterceptor {
  /** Per handler, worked out once: where its session is saved. */
  private readonly handlers = new WeakMap<object, CommitPlace>();

  constructor(@Inject(QSESSIONS_LIFECYCLE) private readonly lifecycle: SessionLifecycle) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const state = getRequestState(http.getRequest());
    const res = rawResponse(http.getResponse());
    const gate = state && responseGateOf(res);
    if (!state || !gate) return next.handle();
    const place = this.commitPlace(context);
    if (place === 'gate') return next.handle();
    gate.openPipeline();
    return next.handle().pipe(
      concatMap((value) => {
        const pending = this.commit(state, gate, res, place);
        // Nothing to wait for on a read that changed nothing: no promise at all.
        return pending ? pending.then(() => value) : [value];
      }),
      finalize(() => gate.closePipeline()),
    );
  }

  /**
   * Takes the failure of the save the response is held for, or saves the session now; a failure
   * is thrown as an HttpException. Null when there is nothing to wait for.
   */
  private commit(
    state: RequestSessionState,
    gate: ResponseGate,
    res: ServerResponse,
    place: CommitPlace,
  ): Promise<void> | null {
    const held = gate.takeFailure();
    if (held) return held.then(throwIfFailed);
    // A handler that writes the response itself may still do so later: its gate saves then.
    if (place === 'own-response' || !gate.untouched) return null;
    // Nest has set the status (`@HttpCode()`, 201 for POST) before the interceptors ran.
    const plan = this.lifecycle.commit(state, res.statusCode);
    if (plan instanceof Promise) return plan.then((settled) => throwIfFailed(settled.replace));
    return plan.replace ? Promise.reject(sessionSaveException(plan.replace)) : null;
  }

  private commitPlace(context: ExecutionContext): CommitPlace {
    const handler = context.getHandler();
    let place = this.handlers.get(handler);
    if (place === undefined) {
      place = Reflect.getMetadata(SSE_METADATA, handler)
        ? 'gate'
        : writesOwnResponse(context.getClass(), handler)
          ? 'own-response'
          : 'pipeline';
      this.handlers.set(handler, place);
    }
    return place;
  }
}

/**
 * Where a handler's session is saved: `pipeline` (here, once it has returned), `own-response` (by
 * the gate, when the handler writes its response; a failure comes back here while the handler's
 * call is still in Nest's pipeline) or `gate` (server-sent events: the headers go out before any
 * value reaches an interceptor).
 */
type CommitPlace = 'pipeline' | 'own-response' | 'gate';

/** Whether the handler takes `@Res()` or `@Next()` without `passthrough`, as Nest decides it. */
function writesOwnResponse(controller: object, handler: { name: string }): boolean {
  const args: Record<string, { data?: { passthrough?: boolean } }> =
    Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {};
  return Object.entries(args).some(([key, arg]) => {
    const type = Number(key.split(':')[0]);
    return (type === RouteParamtypes.RESPONSE || type === RouteParamtypes.NEXT) && !arg.data?.passthrough;
  });
}

function throwIfFailed(replacement: CommitReplacement | null | undefined): void {
  if (replacement) throw sessionSaveException(replacement);
}

/** The raw Node response: Express's response is one; Fastify's reply keeps it in `raw`. */
function rawResponse(response: unknown): ServerResponse {
  return ((response as { raw?: ServerResponse }).raw ?? response) as ServerResponse;
}

/** The HttpException for a failed save, with the same body as the gate's own error response. */
function sessionSaveException(replacement: CommitReplacement): HttpException {
  const { status, message, cause } = replacement;
  const options = { cause };
  if (status === 400) return new BadRequestException(message, options);
  if (status === 503) return new ServiceUnavailableException(message, options);
  if (status === 500) return new InternalServerErrorException(message, options);
  return new HttpException({ statusCode: status, error: replacement.error, message }, status, options);
}
