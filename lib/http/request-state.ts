import type { IncomingMessage } from 'node:http';
import type { RequestSessionState } from './request-session-state.js';

// Beside the request rather than on it: nothing to hide from spreads or loggers, and no
// defineProperty on every request (which the profile showed costing more than a lookup here).
const states = new WeakMap<object, RequestSessionState>();

/** Remembers a request's session state for the raw request (decorators and services read it). */
export function attachRequestState(req: IncomingMessage, state: RequestSessionState): void {
  states.set(req, state);
}

/**
 * The session state of a request: accepts the raw Node request or a framework's wrapper of it
 * (Express's request is the raw one; Fastify's keeps it in `raw`).
 */
export function getRequestState(req: unknown): RequestSessionState | undefined {
  if (!req || typeof req !== 'object') return undefined;
  const direct = states.get(req);
  if (direct) return direct;
  const raw = (req as { raw?: unknown }).raw;
  return raw && typeof raw === 'object' ? states.get(raw) : undefined;
}
