import { Controller, Get, Header } from '@nestjs/common';
import { LIVE_CLIENT_SCRIPT, LIVE_SCRIPT_PATH } from './live-client.js';

/** Serves the signed-in pages' script, a file of this origin as the Content-Security-Policy wants it. */
@Controller()
export class LiveScriptController {
  @Get(LIVE_SCRIPT_PATH)
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): string {
    return LIVE_CLIENT_SCRIPT;
  }
}
