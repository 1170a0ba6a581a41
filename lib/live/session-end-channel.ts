/** Carries ended sessions between the app's processes, so each closes its connections of them. */
export interface SessionEndChannel {
  /** Tells every process (this one included) that these sessions ended. Never throws. */
  publish(digests: readonly string[], reason: string): void;
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

/** The message for these sessions: JSON, ids and reason only (never a key). */
export function encodeSessionEnd(digests: readonly string[], reason: string): string {
  return JSON.stringify({ ids: digests, reason: reason.slice(0, MAX_REASON_LENGTH) });
}

/**
 * A message read off the channel, or null for anything else: the channel is Redis's, and anyone
 * with access to it may publish, so only well-formed ids are taken and the reason is bounded.
 */
export function decodeSessionEnd(message: string): { digests: string[]; reason: string } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  const { ids, reason } = (parsed ?? {}) as { ids?: unknown; reason?: unknown };
  if (!Array.isArray(ids) || ids.length > MAX_IDS_PER_MESSAGE || typeof reason !== 'string') return null;
  const digests = ids.filter((id): id is string => typeof id === 'string' && DIGEST.test(id));
  if (digests.length !== ids.length) return null;
  return { digests, reason: reason.slice(0, MAX_REASON_LENGTH).replace(/[^\x20-\x7e]/g, '') || 'ended' };
}

/** Splits ids into messages of at most MAX_IDS_PER_MESSAGE. */
export function* chunks(digests: readonly string[]): Generator<readonly string[]> {
  for (let start = 0; start < digests.length; start += MAX_IDS_PER_MESSAGE) {
    yield digests.slice(start, start + MAX_IDS_PER_MESSAGE);
  }
}
