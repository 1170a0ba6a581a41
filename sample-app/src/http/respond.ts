import type { Response } from 'express';
import type { SafeHtml } from '../views/html.js';

/** Sends a rendered page. */
export function sendHtml(res: Response, status: number, page: SafeHtml): void {
  res.status(status).type('html').send(page.value);
}
