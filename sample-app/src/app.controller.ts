import { Controller, Get } from '@nestjs/common';
import { ClientInfo, CurrentSession, type RequestSession } from 'nest-qsessions';

/** A first page: counts this browser's visits in its server-side session. */
@Controller()
export class AppController {
  @Get()
  home(@CurrentSession() session: RequestSession, @ClientInfo() client: ClientInfo) {
    session.visits = ((session.visits as number | undefined) ?? 0) + 1;
    return {
      message: 'nest-qsessions sample app',
      visits: session.visits,
      yourIp: client.ip,
      yourUserAgent: client.userAgent,
    };
  }
}
