import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Observable, type Subscription } from 'rxjs';
import type { SessionEvent } from '../events/session-event.js';
import type { SessionEvents } from '../events/session-events.js';
import { attachRequestState, attachSocketRequest, getRequestState, socketRequestOf } from '../http/request-state.js';
import { SessionRequestReader } from '../http/session-request-reader.js';
import type { ResolvedQSessionsOptions } from '../options/resolved-options.js';
import {
  QSESSIONS_CLOCK,
  QSESSIONS_EVENTS,
  QSESSIONS_LIFECYCLE,
  QSESSIONS_RESOLVED_OPTIONS,
  QSESSIONS_TELEMETRY,
} from '../qsessions.constants.js';
import type { RequestSessionState, SessionHost } from '../session/request-session-state.js';
import type { RequestSession } from '../session/request-session.js';
import type { SessionLifecycle } from '../session/session-lifecycle.js';
import type { SessionRecord, UserId } from '../session/session-record.js';
import type { QSessionsClock } from '../util/clock.js';
import type { QSessionsTelemetry } from '../telemetry/qsessions-telemetry.js';
import { LiveConnectionRegistry } from './live-connection-registry.js';
import { LiveSessionChecker } from './live-session-checker.js';
import { isAllowedOrigin } from './handshake-origin.js';
import { closeSocket, handshakeOf, isKnownSocket, isOpen, onSocketClosed } from './live-socket.js';
import { RedisSessionEndChannel } from './redis-session-end-channel.js';
import type { SessionEndChannel } from './session-end-channel.js';

const MAX_WARNED_ORIGINS = 50;

/** The session of a WebSocket connection, as `LiveSessions.accept()` found it. */
export interface SocketSession {
  /** The session's public id (as `SessionService.list()` shows it). */
  id: string;
  /** Its user, or null for a session without one. */
  userId: UserId | null;
  /**
   * Its data and methods, as `@CurrentSession()` gives them in the gateway's handlers. Changes
   * are stored by `await session.save()` (a WebSocket message has no response to save them on).
   */
  session: RequestSession;
}

/** Options of `LiveSessions.accept()`. */
export interface AcceptSocketOptions {
  /**
   * Close the connection when its session ends (revoked, signed out, evicted, its user deleted,
   * expired). Default true; false leaves it open: the gateway decides.
   */
  closeOnEnd?: boolean;
}

/** The last message of a server-sent-events stream whose session ended (`LiveSessions.watch()`). */
export interface SessionEndedMessage {
  type: 'session-ended';
  data: { reason: string };
}

/**
 * Sessions of connections that outlive a request: WebSocket gateways (socket.io and `ws`),
 * server-sent-events streams, graphql-ws subscriptions. Each connection it keeps is closed, with
 * the reason, as soon as its session ends: at once for an end made by this process; over Redis
 * pub/sub for one made by another process (`live.redisUrl`, by default the cache's Redis, by URL or Sentinel); else
 * at the next check (`live.checkInterval`); and at the session's expiry.
 *
 * @example
 * ```ts
 * @WebSocketGateway()
 * export class ChatGateway implements OnGatewayConnection {
 *   constructor(private readonly live: LiveSessions) {}
 *
 *   async handleConnection(client: Socket): Promise<void> {
 *     const found = await this.live.accept(client);
 *     if (found?.userId == null) client.disconnect(true);
 *   }
 * }
 * ```
 */
@Injectable()
export class LiveSessions implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('QSessions');
  private readonly registry: LiveConnectionRegistry;
  private readonly checker: LiveSessionChecker;
  private readonly channel: SessionEndChannel | null;
  private readonly reader: SessionRequestReader;
  private readonly accepted = new WeakMap<object, Promise<SocketSession | null>>();
  private readonly allowedOrigins: ReadonlySet<string>;
  private readonly warnedOrigins = new Set<string>();
  private subscription: Subscription | null = null;
  /** Subscribe to the channel at start-up, not at the first connection: its messages are measured. */
  private readonly measuresPropagation: boolean;

  constructor(
    @Inject(QSESSIONS_LIFECYCLE) private readonly lifecycle: SessionLifecycle,
    @Inject(QSESSIONS_RESOLVED_OPTIONS) options: ResolvedQSessionsOptions,
    @Inject(QSESSIONS_EVENTS) private readonly events: SessionEvents,
    @Inject(QSESSIONS_CLOCK) clock: QSessionsClock,
    @Optional() @Inject(QSESSIONS_TELEMETRY) telemetry?: QSessionsTelemetry | null,
  ) {
    this.registry = new LiveConnectionRegistry(this.logger, (digest) => this.checker.forget(digest));
    this.checker = new LiveSessionChecker(this.registry, lifecycle, options.live.checkIntervalMs, this.logger, () =>
      clock.now(),
    );
    const { redis, channel } = options.live;
    const metrics = telemetry?.metrics ?? null;
    const propagation = metrics && {
      now: () => clock.now(),
      propagated: (seconds: number) => metrics.propagated(seconds),
    };
    this.channel = redis ? new RedisSessionEndChannel(redis, channel, this.logger, propagation) : null;
    this.measuresPropagation = this.channel !== null && metrics !== null;
    this.reader = new SessionRequestReader(options, this.logger);
    this.allowedOrigins = options.live.allowedOrigins;
  }

  onModuleInit(): void {
    this.subscription = this.events.stream.subscribe((event) => this.onSessionEvent(event));
    if (this.measuresPropagation) void this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    this.checker.stop();
    await this.channel?.close();
  }

  /**
   * Opens the session of a WebSocket connection from its handshake's cookie (the same checks as
   * an HTTP request's: only a well-formed key is looked up) and, unless told otherwise, keeps the
   * connection until that session ends. Resolves to null when the cookie names no live session:
   * refuse the connection then, if it needs one. Call it from the gateway's `handleConnection`;
   * `request` is needed for a `ws` WebSocket (its second argument there), socket.io keeps its own.
   * The gateway's handlers then read the session through `@CurrentSession()` and the other
   * decorators; a second call for the same client resolves to the first one's result.
   */
  accept(client: object, request?: IncomingMessage, options: AcceptSocketOptions = {}): Promise<SocketSession | null> {
    if (!isKnownSocket(client)) {
      throw new TypeError('nest-qsessions: LiveSessions.accept() takes a socket.io socket or a `ws` WebSocket.');
    }
    const handshake = request ?? handshakeOf(client);
    if (!handshake?.headers) {
      throw new TypeError(
        'nest-qsessions: LiveSessions.accept() needs the handshake request of a `ws` WebSocket: ' +
          'handleConnection(client, request) { return this.live.accept(client, request); }',
      );
    }
    let found = this.accepted.get(client);
    if (!found) {
      found = this.openSocket(client, handshake, options.closeOnEnd !== false);
      this.accepted.set(client, found);
      // A failed read (the store is down) may be tried again by the next call.
      found.catch(() => this.accepted.delete(client));
    }
    return found;
  }

  /**
   * Reads an accepted connection's session again, so that a message handler sees what other
   * requests changed and never acts for a session that ended (`SocketSessionGuard` does this for
   * each message). A socket.io socket not accepted yet is accepted; a `ws` one resolves to null.
   */
  async refresh(client: object, options?: AcceptSocketOptions): Promise<SocketSession | null> {
    const pending = this.accepted.get(client);
    if (!pending) return isKnownSocket(client) && handshakeOf(client) ? this.accept(client, undefined, options) : null;
    await pending;
    const handshake = socketRequestOf(client);
    if (!handshake) return null;
    return viewOf(await this.openState(handshake));
  }

  /**
   * A server-sent-events stream that ends with its session: `source`'s events, then, when the
   * session of `req` ends, one `session-ended` event (`data: { reason }`) and the end of the
   * stream. A request without a stored session gets that event at once.
   *
   * @example
   * ```ts
   * @Sse('events')
   * events(@Req() req: Request): Observable<MessageEvent | SessionEndedMessage> {
   *   return this.live.watch(req, interval(15_000).pipe(map(() => ({ data: 'ping' }))));
   * }
   * ```
   */
  watch<T>(req: object, source: Observable<T>): Observable<T | SessionEndedMessage> {
    return new Observable<T | SessionEndedMessage>((subscriber) => {
      const record = getRequestState(req)?.record;
      const end = (reason: string) => {
        subscriber.next({ type: 'session-ended', data: { reason } });
        subscriber.complete();
      };
      if (!record) return end('unauthenticated');
      const stopWatching = this.keep(record, end);
      const inner = source.subscribe(subscriber);
      return () => {
        stopWatching();
        inner.unsubscribe();
      };
    });
  }

  /**
   * Calls `listener` once, with the reason, when the session of `req` (an HTTP request, or the
   * handshake of an accepted connection) ends; for connections of other kinds. Returns the
   * function that stops watching (call it when the connection closes), or null when the request
   * has no stored session.
   */
  onEnd(req: object, listener: (reason: string) => void): (() => void) | null {
    const record = getRequestState(req)?.record;
    return record ? this.keep(record, listener) : null;
  }

  /** How many connections this process keeps open for their sessions. */
  get connectionCount(): number {
    return this.registry.size;
  }

  private async openSocket(
    client: object,
    handshake: IncomingMessage,
    closeOnEnd: boolean,
  ): Promise<SocketSession | null> {
    if (!isAllowedOrigin(handshake, this.allowedOrigins)) {
      this.refusedOrigin(handshake.headers.origin!);
      return null;
    }
    // Subscribed before the session is read, so that an end made elsewhere after the read is heard.
    if (closeOnEnd) await this.listen();
    // On Fastify the session middleware may have opened it already (an upgrade Fastify routed).
    const state = getRequestState(handshake) ?? (await this.openState(handshake));
    attachSocketRequest(client, handshake);
    const record = state.record;
    if (!record) return null;
    if (closeOnEnd && isOpen(client)) {
      const stopWatching = this.keep(record, (reason) => closeSocket(client, reason));
      onSocketClosed(client, stopWatching);
    }
    return viewOf(state);
  }

  /** Said once per origin (a few dozen at most): a page elsewhere tried to use the session cookie. */
  private refusedOrigin(origin: string): void {
    if (this.warnedOrigins.has(origin) || this.warnedOrigins.size >= MAX_WARNED_ORIGINS) return;
    this.warnedOrigins.add(origin);
    this.logger.warn(
      `A WebSocket handshake from a page of ${JSON.stringify(origin.slice(0, 200))} was given no session: that ` +
        "origin is not this app's (the Host the handshake names) nor in `live.allowedOrigins`. Add it there if " +
        'it is yours (or the public origin, behind a proxy that rewrites Host). (Said once per origin.)',
    );
  }

  private async openState(handshake: IncomingMessage): Promise<RequestSessionState> {
    const state = await this.lifecycle.open(
      this.reader.read(handshake),
      handshake as IncomingMessage & SessionHost,
      true,
    );
    attachRequestState(handshake, state);
    return state;
  }

  private keep(record: SessionRecord, close: (reason: string) => void): () => void {
    let closed = false;
    const remove = this.registry.add({
      digest: record.digest,
      close: (reason) => {
        if (closed) return;
        closed = true;
        close(reason);
      },
    });
    this.checker.follow(record);
    void this.listen();
    // An end between the read that found the session and this registration reached no
    // connection: one more read closes that gap (a connection opens once, requests are many).
    void this.checker.check([record.digest]);
    return remove;
  }

  private listen(): Promise<void> {
    return this.channel?.listen((digests, reason) => this.registry.end(digests, reason)) ?? Promise.resolve();
  }

  private onSessionEvent(event: SessionEvent): void {
    let ended: string[];
    let reason: string;
    const endedAt = event.at.getTime();
    if (event.type === 'revoked') [ended, reason] = [event.ids, event.reason];
    else if (event.type === 'rotated' && event.previousId !== null) [ended, reason] = [[event.previousId], 'rotated'];
    else return;
    this.registry.end(ended, reason);
    this.channel?.publish(ended, reason, endedAt);
  }
}

function viewOf(state: RequestSessionState): SocketSession | null {
  const record = state.record;
  return record ? { id: record.digest, userId: record.userId, session: state.session } : null;
}
