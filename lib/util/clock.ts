/**
 * Where nest-qsessions reads the time: when sessions expire, when "last active" is refreshed,
 * how long a cache stays distrusted. Milliseconds since the epoch, like `Date.now()`.
 *
 * Replace it in tests through {@link getQSessionsClockToken} to move time forward without waiting.
 * It does not reach what the user's code computes (a `Date` assigned to `req.session.cookie.expires`
 * is taken relative to the real time), nor timers and the TTLs that Redis counts itself.
 */
export interface QSessionsClock {
  now(): number;
}

/** The real time. */
export const systemClock: QSessionsClock = { now: () => Date.now() };
