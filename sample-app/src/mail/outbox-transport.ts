import type { MailMessage, Transport } from 'nodemailer';
import type { Outbox } from './outbox.js';

/** What the outbox transport answers for a message (as nodemailer's JSON transport does). */
export interface OutboxSentInfo {
  envelope: { from: string | false; to: string[] };
  messageId: string;
}

/**
 * A nodemailer transport that delivers into the development {@link Outbox} instead of a mail
 * server: the app sends with the same `sendMail()` either way, and only the transport changes
 * with SAMPLE_SMTP_URL.
 */
export class OutboxTransport implements Transport<OutboxSentInfo> {
  readonly name = 'sample-outbox';
  readonly version = '1';

  constructor(private readonly outbox: Outbox) {}

  send(mail: MailMessage<OutboxSentInfo>, callback: (error: Error | null, info: OutboxSentInfo) => void): void {
    const { from, to, subject, text } = mail.data;
    // Mailer always gives these as plain strings (see mailer.ts).
    this.outbox.keep({
      from: String(from),
      to: String(to),
      subject: String(subject ?? ''),
      text: typeof text === 'string' ? text : '',
      sentAt: new Date(),
    });
    callback(null, { envelope: mail.message.getEnvelope(), messageId: mail.message.messageId() });
  }
}
