/** An e-mail as the development outbox keeps it. */
export interface OutboxMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  sentAt: Date;
}

/** How many e-mails the outbox keeps; older ones are dropped. */
export const OUTBOX_SIZE = 50;

/**
 * The development stand-in for a mail server, used when SAMPLE_SMTP_URL is not set: keeps the
 * last {@link OUTBOX_SIZE} e-mails in memory for the /outbox page, and tells its listeners of
 * each one (`npm run sample` prints them to the console). Gone when the app stops.
 */
export class Outbox {
  private readonly mails: OutboxMail[] = [];
  private readonly listeners = new Set<(mail: OutboxMail) => void>();

  /** Keeps an e-mail that was "sent", and passes it to the listeners. */
  keep(mail: OutboxMail): void {
    this.mails.unshift(mail);
    this.mails.length = Math.min(this.mails.length, OUTBOX_SIZE);
    for (const listener of this.listeners) listener(mail);
  }

  /** The kept e-mails, newest first. */
  list(): readonly OutboxMail[] {
    return [...this.mails];
  }

  /** Calls `listener` with every e-mail kept from now on; returns how to stop. */
  onMail(listener: (mail: OutboxMail) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
