import { Controller, Get, Req, Sse, UseGuards, type MessageEvent } from '@nestjs/common';
import { interval, map, type Observable } from 'rxjs';
import { LiveSessions, SocketSessionGuard, type SessionEndedMessage } from '../../lib/index.js';

/** A server-sent-events stream that ends with its session. */
@Controller('live')
export class LiveSseController {
  constructor(private readonly live: LiveSessions) {}

  @Sse('events')
  events(@Req() req: object): Observable<MessageEvent | SessionEndedMessage> {
    return this.live.watch(req, interval(200).pipe(map((tick): MessageEvent => ({ type: 'tick', data: { tick } }))));
  }

  /** The guard on an HTTP route: a signed-in session, else 401. */
  @Get('guarded')
  @UseGuards(SocketSessionGuard)
  guarded(): { ok: true } {
    return { ok: true };
  }
}
