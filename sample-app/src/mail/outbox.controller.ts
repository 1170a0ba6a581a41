import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { sendHtml } from '../http/respond.js';
import { outboxPage } from '../views/outbox.page.js';
import { Outbox } from './outbox.js';

/**
 * `/outbox`: the e-mails kept by the development outbox. AppModule registers it only when no
 * SAMPLE_SMTP_URL is set; with a mail server, /outbox is a 404.
 */
@Controller('outbox')
export class OutboxController {
  constructor(private readonly outbox: Outbox) {}

  @Get()
  list(@Res() res: Response): void {
    sendHtml(res, 200, outboxPage(this.outbox.list(), new Date()));
  }
}
