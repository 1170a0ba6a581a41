import type { UserId } from '../session/session-record.js';
import type { DeviceInfo } from '../user-agent/device-info.js';

/**
 * One active session as `SessionService.list()` shows it: safe to send to the browser (the
 * cookie key is never part of it; `id` is its SHA-256 digest).
 */
export interface SessionView {
  /** Public id: use it to revoke this session. */
  id: string;
  userId: UserId | null;
  ip: string | null;
  /** Approximate location from GeoIP: "City, Country", "Country", or null when unknown. */
  location: string | null;
  userAgent: string | null;
  /** The name the person gave this device (`SessionService.rename()`), or null. */
  label: string | null;
  /** When the user last proved who they are on this session (sign-in or `markReauthenticated()`). */
  reauthenticatedAt: Date | null;
  /** Browser, OS and device type parsed from the User-Agent (and the Client Hints, when stored), with a one-line `summary`. */
  device: DeviceInfo;
  createdAt: Date;
  /** Last time the session was written (data, IP or User-Agent change, or activity refresh). */
  lastActive: Date;
  expiresAt: Date;
  /** Whether this is the session of the request given as `current`. */
  current: boolean;
}
