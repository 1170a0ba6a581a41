import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SessionService, type SessionEvent, type SessionSignedInEvent } from 'nest-qsessions';
import { filter, type Subscription } from 'rxjs';
import { PublicUrl } from '../http/public-url.js';
import { emailOf } from '../users/user-email.js';
import { UsersService } from '../users/users.service.js';
import { Mailer } from './mailer.js';
import { REVOKE_LINK_DAYS, newSignInMail } from './new-sign-in-mail.js';

/** A sign-in worth an e-mail: a device or a place the user's history has not seen. */
function isNewSignIn(event: SessionEvent): event is SessionSignedInEvent {
  return event.type === 'signed-in' && (event.newDevice === true || event.newLocation === true);
}

/**
 * E-mails the user when their account signs in on a new device or from a new place (the
 * library's `signed-in` event, with the `history` option), with a single-use "This wasn't me"
 * link (`createRevokeLink`) to /not-me. Sent after the sign-in, never in its way: a mail that
 * cannot be sent is logged (without the link) and the sign-in goes on.
 */
@Injectable()
export class NewSignInAlerts implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NewSignInAlerts.name);
  private subscription: Subscription | undefined;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly mailer: Mailer,
    private readonly publicUrl: PublicUrl,
  ) {}

  onModuleInit(): void {
    this.subscription = this.sessions.events.pipe(filter(isNewSignIn)).subscribe((event) => {
      const alert = this.alert(event).finally(() => this.sending.delete(alert));
      this.sending.add(alert);
    });
  }

  /** Stops listening, and lets the alerts already on their way finish before the mailer closes. */
  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.whenSent();
  }

  /** Resolves once every alert started so far was sent (or failed and was logged). */
  async whenSent(): Promise<void> {
    await Promise.all([...this.sending]);
  }

  private async alert(event: SessionSignedInEvent): Promise<void> {
    try {
      const user = await this.users.findById(event.userId);
      if (!user) return;
      const token = await this.sessions.createRevokeLink(user, event.id, { ttl: `${REVOKE_LINK_DAYS}d` });
      const link = `${this.publicUrl.origin()}/not-me?token=${encodeURIComponent(token)}`;
      await this.mailer.send({ to: emailOf(user), ...newSignInMail(user, event, link) });
    } catch (error) {
      // The message only: the link (the token) is never logged. Read by shape, not `instanceof`:
      // a socket's error may come from another realm (a VM context, a test runner).
      const message = (error as { message?: unknown } | null)?.message;
      const reason = typeof message === 'string' ? message : 'unknown error';
      this.logger.warn(`Could not send the new sign-in alert to user ${event.userId}: ${reason}`);
    }
  }
}
