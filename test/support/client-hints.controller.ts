import { Controller, Get, Header } from '@nestjs/common';
import { CurrentSession, RequestSession } from '../../lib/index.js';

/** A route that sets `Accept-CH` and `Vary` of its own: the library's values join them. */
@Controller('hints')
export class ClientHintsController {
  @Get('own-headers')
  @Header('Accept-CH', 'Sec-CH-Prefers-Color-Scheme, sec-ch-ua-model')
  @Header('Vary', 'Accept-Encoding')
  ownHeaders(@CurrentSession() session: RequestSession) {
    return { userId: session.userId ?? null };
  }
}
