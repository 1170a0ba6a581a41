/** Carries ended sessions between the app's processes, so each closes its connections of them. */
export interface SessionEndChannel {
  /**
   * Tells every process (this one included) that these sessions ended, `endedAt` (ms since the
   * epoch) when they did: the others record how long the message took. Never throws.
   */
  publish(digests: readonly string[], reason: string, endedAt?: number): void;
  /**
   * Calls `listener` for each message from any process; subscribes once. Resolves when the
   * subscription is active, or once it is known not to be soon (Redis down): never rejects.
   */
  listen(listener: (digests: string[], reason: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** The most session ids one message may carry (a revokeAll() of a user with a great many sessions is split). */
export const MAX_IDS_PER_MESSAGE = 1000;
const MAX_REASON_LENGTH = 64;
const DIGEST = /^[0-9a-f]{64}$/;
/** A sender's id: a random UUID per channel (see RedisSessionEndChannel). */
const SENDER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** When and by whom a message was sent, when it says (messages of earlier versions do not). */
export interface SessionEndOrigin {
  /** When the sessions ended, in ms since the epoch (the sender's clock). */
  endedAt?: number;
  /** The sending channel's random id, so that a process tells its own messages from the others'. */
  from?: string;
}

/** A message read off the channel. */
export interface SessionEndMessage extends SessionEndOrigin {
  digests: string[];
  reason: string;
}

/** The message for these sessions: JSON, ids, reason, and when and by whom (never a key). */
export function encodeSessionEnd(digests: readonly string[], reason: string, origin: SessionEndOrigin = {}): string {
  return JSON.stringify({
    ids: digests,
    reason: reason.slice(0, MAX_REASON_LENGTH),
    at: origin.endedAt,
    from: origin.from,
  });
}

/**
 * A message read off the channel, or null for anything else: the channel is Redis's, and anyone
 * with access to it may publish, so only well-formed ids are taken and the reason is bounded.
 */
export function decodeSessionEnd(message: string): SessionEndMessage | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  const { ids, reason, at, from } = (parsed ?? {}) as { ids?: unknown; reason?: unknown; at?: unknown; from?: unknown };
  if (!Array.isArray(ids) || ids.length > MAX_IDS_PER_MESSAGE || typeof reason !== 'string') return null;
  const digests = ids.filter((id): id is string => typeof id === 'string' && DIGEST.test(id));
  if (digests.length !== ids.length) return null;
  return {
    digests,
    reason: reason.slice(0, MAX_REASON_LENGTH).replace(/[^\x20-\x7e]/g, '') || 'ended',
    ...originOf(at, from),
  };
}

/**
 * What a message says of its sending, each part kept only when well-formed: a message without
 * them (an earlier version's) or with a malformed one still ends its sessions, unmeasured.
 */
function originOf(at: unknown, from: unknown): SessionEndOrigin {
  const origin: SessionEndOrigin = {};
  if (typeof at === 'number' && Number.isSafeInteger(at) && at > 0) origin.endedAt = at;
  if (typeof from === 'string' && SENDER.test(from)) origin.from = from;
  return origin;
}

/** Splits ids into messages of at most MAX_IDS_PER_MESSAGE. */
export function* chunks(digests: readonly string[]): Generator<readonly string[]> {
  for (let start = 0; start < digests.length; start += MAX_IDS_PER_MESSAGE) {
    yield digests.slice(start, start + MAX_IDS_PER_MESSAGE);
  }
}
