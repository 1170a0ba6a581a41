import type { IncomingMessage } from 'node:http';
import type { RequestSessionState } from '../session/request-session-state.js';

// Beside the request rather than on it: nothing to hide from spreads or loggers, and nothing
// added to a request object (see exposesStateThroughPrototype for why that matters on Express).
const states = new WeakMap<object, RequestSessionState>();

/** The request prototypes of this process that serve `req.session`/`req.sessionID` from the state. */
const accessorPrototypes = new WeakSet<object>();

/** Remembers a request's session state for the raw request (decorators and services read it). */
export function attachRequestState(req: IncomingMessage, state: RequestSessionState): void {
  states.set(req, state);
}

/**
 * The session state of a request: accepts the raw Node request or a framework's wrapper of it
 * (Express's request is the raw one; Fastify's keeps it in `raw`), or graphql-ws's connection
 * context, whose `extra.request` is the WebSocket's handshake request (Nest's Apollo driver puts
 * that context in the GraphQL context's `req` for operations received over graphql-ws).
 */
export function getRequestState(req: unknown): RequestSessionState | undefined {
  if (!req || typeof req !== 'object') return undefined;
  const found = stateOf(req);
  if (found) return found;
  const extra = (req as { extra?: unknown }).extra;
  return extra && typeof extra === 'object' ? stateOf((extra as { request?: unknown }).request) : undefined;
}

/** The state of a Node request, or of a wrapper that keeps it in `raw`. */
function stateOf(req: unknown): RequestSessionState | undefined {
  if (!req || typeof req !== 'object') return undefined;
  const direct = states.get(req);
  if (direct) return direct;
  const raw = (req as { raw?: unknown }).raw;
  return raw && typeof raw === 'object' ? states.get(raw) : undefined;
}

/** Whether the middleware already gave this raw request its state (it is mounted twice). */
export function hasRequestState(req: IncomingMessage): boolean {
  return states.has(req);
}

/**
 * Whether `req.session` and `req.sessionID` of this request are served from its state by
 * accessors on its prototype (an Express app's `app.request`, see defineSessionAccessors); when
 * not, the state writes them on the request itself, as express-session does.
 */
export function exposesStateThroughPrototype(req: object): boolean {
  return accessorPrototypes.has(Object.getPrototypeOf(req) as object);
}

/**
 * Gives one app's request prototype `session` and `sessionID` accessors that read the request's
 * state: for Express, whose documented place for per-app request extensions is `app.request`
 * (the prototype Express gives that app's requests, and only them). Never Node's
 * `IncomingMessage.prototype`: other servers of the process are not touched.
 *
 * Why not plain properties on each Express request: Express swaps every request's prototype, which
 * gives each one a hidden class of its own, so adding a property to one copies its whole property
 * layout (docs/performance.md). Plain Node requests (Fastify's raw request) share their hidden
 * class, so there the two own properties are cheap and are what the state writes.
 *
 * Assigning either name still works: it becomes that request's own property. Nothing is defined
 * when the prototype already has either name (another session library owns them).
 */
export function defineSessionAccessors(prototype: object): void {
  if (accessorPrototypes.has(prototype)) return;
  if (Object.hasOwn(prototype, 'session') || Object.hasOwn(prototype, 'sessionID')) return;
  defineStateAccessor(prototype, 'session', (state) => (state.destroyed ? undefined : state.session));
  defineStateAccessor(prototype, 'sessionID', (state) =>
    state.destroyed ? undefined : (state.sessionKey ?? undefined),
  );
  accessorPrototypes.add(prototype);
}

function defineStateAccessor(
  prototype: object,
  name: 'session' | 'sessionID',
  read: (state: RequestSessionState) => unknown,
): void {
  Object.defineProperty(prototype, name, {
    configurable: true,
    enumerable: false,
    get(this: object): unknown {
      const state = states.get(this);
      return state ? read(state) : undefined;
    },
    set(this: object, value: unknown) {
      const state = states.get(this);
      if (state && read(state) === value) return;
      Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

// The handshake request of each WebSocket connection whose session was opened (LiveSessions).
const socketRequests = new WeakMap<object, IncomingMessage>();

/** Remembers the request that opened a WebSocket connection: its session state is that request's. */
export function attachSocketRequest(client: object, request: IncomingMessage): void {
  socketRequests.set(client, request);
}

/** The handshake request of a WebSocket client whose session was opened, if any. */
export function socketRequestOf(client: unknown): IncomingMessage | undefined {
  return client && typeof client === 'object' ? socketRequests.get(client) : undefined;
}
