import { Subject, type Observable } from 'rxjs';
import type { SessionEvent } from './session-event.js';

/**
 * The stream of session events of one app. Subscribers run after the change is stored; an error
 * thrown by one is reported by rxjs and never fails the request that caused the event.
 */
export class SessionEvents {
  private readonly subject = new Subject<SessionEvent>();

  /** Every event, as it happens. */
  readonly stream: Observable<SessionEvent> = this.subject.asObservable();

  emit(event: SessionEvent): void {
    if (this.subject.observed) this.subject.next(event);
  }

  complete(): void {
    this.subject.complete();
  }
}
