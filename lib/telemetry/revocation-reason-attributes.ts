import type { Attributes } from '@opentelemetry/api';
import type { BuiltInRevocationReason } from '../events/session-event.js';

/** The reasons recorded as they are; `satisfies` makes a new built-in reason a compile error until listed. */
const BUILT_IN_REASONS = {
  logout: true,
  regenerate: true,
  revoke: true,
  'revoke-others': true,
  'revoke-all': true,
  'user-deleted': true,
  expired: true,
  limit: true,
  'password-changed': true,
  'user-request': true,
  admin: true,
  erased: true,
  'revoke-link': true,
} satisfies Record<BuiltInRevocationReason, true>;

/** The `reason` an app's own reason is recorded under: one value, whatever the app gave. */
export const APP_REASON = 'app';

/**
 * The attribute set of each reason, made once: the library's reasons as they are, any other (an
 * app's own string, unbounded) as `'app'`, so that the number of series stays fixed.
 */
export class RevocationReasonAttributes {
  private readonly byReason = new Map<string, Attributes>();
  private readonly app: Attributes = Object.freeze({ reason: APP_REASON });

  constructor() {
    for (const reason of Object.keys(BUILT_IN_REASONS)) this.byReason.set(reason, Object.freeze({ reason }));
  }

  /** The attributes to record a revocation with this reason under. */
  of(reason: string): Attributes {
    return this.byReason.get(reason) ?? this.app;
  }
}
