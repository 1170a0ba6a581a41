import type { IncomingMessage } from 'node:http';
import type { RequestSessionState } from './request-session-state.js';

const STATE = Symbol.for('nest-qsessions.request-state');

/** Remembers a request's session state on the raw request (decorators and services read it). */
export function attachRequestState(req: IncomingMessage, state: RequestSessionState): void {
  Object.defineProperty(req, STATE, { value: state, configurable: true, enumerable: false });
}

/**
 * The session state of a request: accepts the raw Node request or a framework's wrapper of it
 * (Express's request is the raw one; Fastify's keeps it in `raw`).
 */
export function getRequestState(req: unknown): RequestSessionState | undefined {
  if (!req || typeof req !== 'object') return undefined;
  const direct = (req as Record<symbol, RequestSessionState | undefined>)[STATE];
  if (direct) return direct;
  const raw = (req as { raw?: unknown }).raw;
  return raw && typeof raw === 'object' ? (raw as Record<symbol, RequestSessionState | undefined>)[STATE] : undefined;
}
