import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** An e-mail the catcher received, as mailparser reads it. */
export interface CaughtMail {
  /** The envelope's recipients (RCPT TO). */
  recipients: string[];
  subject: string;
  text: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server (the `smtp-server` package) on a free loopback port, for the sample app's
 * SAMPLE_SMTP_URL: keeps every message it accepts, parsed with mailparser. Plain SMTP without
 * STARTTLS or AUTH, as a local development mail server (Mailpit, MailHog) runs.
 */
export class MailCatcher {
  readonly mails: CaughtMail[] = [];
  private readonly waiters = new Set<() => void>();
  private server: SMTPServer | undefined;
  private port = 0;

  /** `smtp://127.0.0.1:<port>`, once started. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        // Parsed before the server answers 250: once the app's sendMail() resolves, the mail is here.
        simpleParser(stream).then(
          (parsed) => {
            this.mails.push({
              recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              parsed,
            });
            for (const wake of this.waiters) wake();
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves to the `count`-th e-mail received (1 = the first), waiting up to `timeoutMs` for it. */
  async nth(count: number, timeoutMs = 10_000): Promise<CaughtMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.mails.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected e-mail #${count} within ${timeoutMs} ms; received ${this.mails.length}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
    return this.mails[count - 1]!;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The "This wasn't me" link of a new-sign-in e-mail. */
export function notMeLinkOf(mail: CaughtMail): URL {
  const found = /https?:\/\/\S+\/not-me\?token=[\w%-]+/.exec(mail.text);
  if (!found) throw new Error(`no /not-me link in the e-mail:\n${mail.text}`);
  return new URL(found[0]);
}
