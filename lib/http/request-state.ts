import { IncomingMessage } from 'node:http';
import type { RequestSessionState } from '../session/request-session-state.js';

/** The process-wide link from raw requests to their session state. */
interface RequestStateRegistry {
  // Beside the request rather than on it: nothing to hide from spreads or loggers.
  states: WeakMap<object, RequestSessionState>;
  /** Whether `req.session` and `req.sessionID` are accessors on IncomingMessage.prototype. */
  accessors: boolean;
}

// Registered for the process, not per copy of this module, so that two copies of the library
// (or a test's module registry) define the accessors once and share what they read.
const REGISTRY = Symbol.for('nest-qsessions.request-state');

type RequestPrototype = { [REGISTRY]?: RequestStateRegistry };

let registry: RequestStateRegistry | undefined = (IncomingMessage.prototype as RequestPrototype)[REGISTRY];

/** Remembers a request's session state for the raw request (decorators and services read it). */
export function attachRequestState(req: IncomingMessage, state: RequestSessionState): void {
  (registry ??= installRegistry()).states.set(req, state);
}

/**
 * Whether `req.session` and `req.sessionID` of this request are served from its state by the
 * prototype accessors; when not (another kind of request object, or another library already
 * owns those names on the prototype), the state writes them on the request itself.
 */
export function exposesStateThroughPrototype(req: object): boolean {
  return (registry ??= installRegistry()).accessors && req instanceof IncomingMessage;
}

/**
 * The session state of a request: accepts the raw Node request or a framework's wrapper of it
 * (Express's request is the raw one; Fastify's keeps it in `raw`).
 */
export function getRequestState(req: unknown): RequestSessionState | undefined {
  if (!registry || !req || typeof req !== 'object') return undefined;
  const direct = registry.states.get(req);
  if (direct) return direct;
  const raw = (req as { raw?: unknown }).raw;
  return raw && typeof raw === 'object' ? registry.states.get(raw) : undefined;
}

/** Whether the middleware already gave this raw request its state (it is mounted twice). */
export function hasRequestState(req: IncomingMessage): boolean {
  return registry?.states.has(req) === true;
}

/**
 * `req.session` and `req.sessionID` as accessors on IncomingMessage.prototype, reading the
 * request's state. Why not plain properties on each request: Express gives every request a
 * hidden class of its own (`Object.setPrototypeOf` per request), so adding a property to one
 * copies its whole property layout, which showed in the profile (docs/performance.md). Assigning either name still works: it becomes the request's own property, as before.
 */
function installRegistry(): RequestStateRegistry {
  const prototype = IncomingMessage.prototype as RequestPrototype;
  const existing = prototype[REGISTRY];
  if (existing) return existing;
  const states = new WeakMap<object, RequestSessionState>();
  const free = !Object.hasOwn(prototype, 'session') && !Object.hasOwn(prototype, 'sessionID');
  if (free) {
    defineStateAccessor(prototype, 'session', states, (state) => (state.destroyed ? undefined : state.session));
    defineStateAccessor(prototype, 'sessionID', states, (state) =>
      state.destroyed ? undefined : (state.sessionKey ?? undefined),
    );
  }
  const created: RequestStateRegistry = { states, accessors: free };
  Object.defineProperty(prototype, REGISTRY, { value: created });
  return created;
}

function defineStateAccessor(
  prototype: object,
  name: 'session' | 'sessionID',
  states: WeakMap<object, RequestSessionState>,
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
