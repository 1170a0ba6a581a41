import { type OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SampleConfig } from '../config.js';
import type { Outbox } from './outbox.js';
import { OutboxTransport } from './outbox-transport.js';

/** An e-mail the app sends (plain text). */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** Who the sample app's e-mails come from. */
export const MAIL_SENDER = '"QSessions Demo" <no-reply@example.com>';

/**
 * Sends the app's e-mail with nodemailer: through the SMTP server of SAMPLE_SMTP_URL, or, without
 * it, into the development outbox (`/outbox` and the console). Inject it where mail is sent.
 */
export class Mailer implements OnApplicationShutdown {
  constructor(private readonly transporter: Transporter) {}

  /** Resolves once the server (or the outbox) took the message; rejects when it could not. */
  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail({ from: MAIL_SENDER, to: mail.to, subject: mail.subject, text: mail.text });
  }

  /** Closes the SMTP connections (after the alerts still being sent were awaited: NewSignInAlerts). */
  onApplicationShutdown(): void {
    this.transporter.close();
  }
}

/** The mailer for the app's settings. */
export function createMailer(config: Pick<SampleConfig, 'smtpUrl'>, outbox: Outbox): Mailer {
  // nodemailer reads the connection from the URL: host, port, user and password, smtps:// for
  // TLS from the start, and options as query parameters (?ignoreTLS=true, ?tls.rejectUnauthorized=false).
  const transporter = config.smtpUrl
    ? nodemailer.createTransport(config.smtpUrl)
    : nodemailer.createTransport(new OutboxTransport(outbox));
  return new Mailer(transporter);
}
