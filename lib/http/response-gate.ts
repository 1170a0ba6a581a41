import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CommitPlan, CommitReplacement } from '../session/session-lifecycle.js';
import { REQUESTED_CLIENT_HINTS } from './client-hints-reader.js';

type Decide = (status: number) => CommitPlan | Promise<CommitPlan>;
type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
type ResponseMethod = (...args: unknown[]) => unknown;
type Methods = Record<Method, ResponseMethod>;
type HeldCall = [Method, unknown[]];

const METHODS: readonly Method[] = ['writeHead', 'write', 'end', 'flushHeaders'];

/** `Accept-CH` when the app asks for no hints of its own. */
const ACCEPT_CLIENT_HINTS = REQUESTED_CLIENT_HINTS.join(', ');

/** The gate of each response the middleware saw (the interceptor looks it up). */
const gates = new WeakMap<object, ResponseGate>();

/** Response prototypes (an Express app's `app.response`) whose methods lead to the gates. */
interface PrototypeLayer {
  /** The methods found there before the wrappers, called once a response is let through. */
  originals: Methods;
  wrappers: Methods;
}

const layers = new WeakMap<object, PrototypeLayer>();

/**
 * Runs `decide` just before the response's first byte (its first writeHead, write, end or
 * flushHeaders, whichever Express or Fastify calls first) and applies the plan it returns, with
 * `Accept-CH` when `askForClientHints` (the `clientHints` option).
 *
 * When the plan is ready at once (nothing to save), the response goes straight through. When the
 * session must be saved first, every call is held back and replayed after the save: the client
 * (and any other client) can only see the response once the session it implies is stored, and
 * a failed save can still turn into an error response because nothing has been sent yet. While
 * Nest's pipeline is open for the request (see SessionCommitInterceptor) that failure is handed to
 * it, so that the app's exception filters answer; otherwise the gate answers with a JSON error.
 *
 * The calls are caught on the response itself, as express-session does, except on a response
 * whose prototype is an Express app's `app.response` given the wrappers by
 * {@link gateResponsePrototype} (and whose methods still lead there): adding properties to an
 * Express response is costly (see defineSessionAccessors, docs/performance.md).
 */
export function gateResponse(res: ServerResponse, decide: Decide, askForClientHints = false): ResponseGate {
  const layer = layers.get(Object.getPrototypeOf(res) as object);
  const shared = layer !== undefined && leadsTo(res, layer.wrappers);
  const gate = new ResponseGate(res, decide, shared ? layer.originals : methodsOf(res), askForClientHints);
  gates.set(res, gate);
  if (!shared) wrapOnResponse(res, gate);
  return gate;
}

/** The gate of a raw response, if the middleware gave it one. */
export function responseGateOf(res: unknown): ResponseGate | undefined {
  return res && typeof res === 'object' ? gates.get(res) : undefined;
}

/**
 * Puts pass-through wrappers around `writeHead`, `write`, `end` and `flushHeaders` on one app's
 * response prototype (Express's `app.response`, its documented place for per-app response
 * extensions): a response of that app with a gate goes through it, any other straight to the
 * method found there before. Never on Node's `ServerResponse.prototype`.
 */
export function gateResponsePrototype(prototype: object): void {
  if (layers.has(prototype)) return;
  const target = prototype as Methods;
  const originals = methodsOf(target);
  const wrappers = {} as Methods;
  for (const method of METHODS) {
    const original = originals[method];
    if (typeof original !== 'function') return;
    // A named function expression, so that stack traces through it still read sensibly.
    wrappers[method] = function gatedResponseMethod(this: object, ...args: unknown[]): unknown {
      const gate = gates.get(this);
      return gate ? gate.intercept(method, args) : original.apply(this, args);
    };
  }
  Object.assign(target, wrappers);
  layers.set(prototype, { originals, wrappers });
}

/** The gate of one response: see {@link gateResponse}. */
export class ResponseGate {
  private phase: 'open' | 'holding' | 'done' = 'open';
  private held: HeldCall[] = [];
  /** The plan being worked out while the response is held. */
  private settling: Promise<void> | null = null;
  /** Nest's pipeline will still take a failed save (see openPipeline). */
  private pipelineOpen = false;
  private failure: CommitPlan | null = null;

  constructor(
    private readonly res: ServerResponse,
    private readonly decide: Decide,
    private readonly originals: Methods,
    /** Add `Accept-CH` (see addAcceptClientHints). */
    private readonly askForClientHints: boolean,
  ) {}

  /** Nothing of the response has been written (or held) yet. */
  get untouched(): boolean {
    return this.phase === 'open';
  }

  /** From now until {@link takeFailure} or {@link closePipeline}, a failed save waits for Nest. */
  openPipeline(): void {
    this.pipelineOpen = true;
  }

  /**
   * Once the handler has returned. Null when no save holds the response; otherwise resolves once
   * it is done, to what failed (or null): the held response is then dropped, for Nest's exception
   * filters to answer, and the gate decides again when their response comes through.
   */
  takeFailure(): Promise<CommitReplacement | null> | null {
    if (this.phase !== 'holding') {
      this.pipelineOpen = false;
      return null;
    }
    return this.settling!.then(() => this.handOverFailure());
  }

  private handOverFailure(): CommitReplacement | null {
    this.pipelineOpen = false;
    const failure = this.failure;
    if (!failure) return null;
    this.failure = null;
    forwardEndCallbacks(this.res, this.held);
    this.held = [];
    this.phase = 'open';
    return failure.replace!;
  }

  /** Nest's pipeline ended without taking a failure (the handler threw): the gate answers it. */
  closePipeline(): void {
    this.pipelineOpen = false;
    const failure = this.failure;
    if (!failure) return;
    this.failure = null;
    this.phase = 'done';
    replaceResponse(this.res, failure, this.held, this.call, this.askForClientHints);
  }

  /** Called in place of one of the response's methods. */
  intercept(method: Method, args: unknown[]): unknown {
    if (this.phase === 'done') return this.call(method, args);
    if (this.phase === 'holding') {
      this.held.push([method, args]);
      return method === 'end' ? this.res : true;
    }
    const status = method === 'writeHead' && typeof args[0] === 'number' ? args[0] : this.res.statusCode;
    let plan: CommitPlan | Promise<CommitPlan>;
    try {
      plan = this.decide(status);
    } catch (error) {
      plan = Promise.reject(error);
    }
    if (!(plan instanceof Promise)) {
      this.phase = 'done';
      applyHeaders(this.res, plan, method === 'writeHead' ? args : undefined, this.askForClientHints);
      return this.call(method, args);
    }
    this.phase = 'holding';
    this.held = [[method, args]];
    this.settling = plan.then(
      (settled) => this.settle(settled),
      (error: unknown) => this.settle(planForError(error)),
    );
    return method === 'end' ? this.res : true;
  }

  private settle(plan: CommitPlan): void {
    if (plan.replace && this.pipelineOpen) {
      this.failure = plan;
      return;
    }
    this.phase = 'done';
    const held = this.held;
    this.held = [];
    if (plan.replace) replaceResponse(this.res, plan, held, this.call, this.askForClientHints);
    else replay(this.res, plan, held, this.call, this.askForClientHints);
  }

  private readonly call = (method: Method, args: unknown[]): unknown => this.originals[method].apply(this.res, args);
}

/** A plan that could not be worked out at all: a 500, as for any unexpected error. */
function planForError(error: unknown): CommitPlan {
  const message = (error as Error)?.message ?? 'The session could not be saved.';
  return { vary: true, replace: { status: 500, error: 'Internal Server Error', message, cause: error } };
}

/**
 * Whether a call to any of the response's methods lands in the prototype's wrappers: neither it
 * nor a subclass overrides them (compression and on-headers wrap them on the response itself;
 * light-my-request's response, used by Fastify's inject, replaces write and end).
 */
function leadsTo(res: ServerResponse, wrappers: Methods): boolean {
  return (
    res.writeHead === wrappers.writeHead &&
    res.write === wrappers.write &&
    res.end === wrappers.end &&
    res.flushHeaders === wrappers.flushHeaders
  );
}

function methodsOf(target: object): Methods {
  const methods = target as Methods;
  return { writeHead: methods.writeHead, write: methods.write, end: methods.end, flushHeaders: methods.flushHeaders };
}

/**
 * The gate's wrappers as the response's own methods. Plain assignments in a fixed order: on a
 * response that shares its hidden class with the others (a plain Node response) V8 then reuses
 * one transition per property. Only the methods this kind of response has (HTTP/2's compatibility
 * response has no flushHeaders). Left in place once the response is settled: they then pass
 * straight through.
 */
function wrapOnResponse(res: ServerResponse, gate: ResponseGate): void {
  const target = res as unknown as Methods;
  target.writeHead = (...args: unknown[]) => gate.intercept('writeHead', args);
  target.write = (...args: unknown[]) => gate.intercept('write', args);
  target.end = (...args: unknown[]) => gate.intercept('end', args);
  if (typeof res.flushHeaders === 'function') target.flushHeaders = () => gate.intercept('flushHeaders', []);
}

/** Callbacks given to end() still run once the response that replaces the held one is sent. */
function forwardEndCallbacks(res: ServerResponse, held: HeldCall[]): void {
  for (const [method, args] of held) {
    if (method !== 'end') continue;
    const callback = args.find((arg) => typeof arg === 'function');
    if (callback) res.once('finish', callback as () => void);
  }
}

function replay(
  res: ServerResponse,
  plan: CommitPlan,
  held: HeldCall[],
  call: (method: Method, args: unknown[]) => unknown,
  askForClientHints: boolean,
): void {
  const first = held[0];
  applyHeaders(res, plan, first?.[0] === 'writeHead' ? first[1] : undefined, askForClientHints);
  for (const [method, args] of held) call(method, args);
}

function replaceResponse(
  res: ServerResponse,
  plan: CommitPlan,
  held: HeldCall[],
  call: (method: Method, args: unknown[]) => unknown,
  askForClientHints: boolean,
): void {
  const replace = plan.replace!;
  forwardEndCallbacks(res, held);
  const body = JSON.stringify({ statusCode: replace.status, error: replace.error, message: replace.message });
  for (const name of res.getHeaderNames()) {
    if (name !== 'set-cookie' && name !== 'vary') res.removeHeader(name);
  }
  applyHeaders(res, plan, undefined, askForClientHints);
  call('writeHead', [
    replace.status,
    {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    },
  ]);
  call('end', [body]);
}

/**
 * Adds the session's headers. Headers passed to writeHead() win over setHeader() ones in Node,
 * so an object or array given there is folded into the response first and our Set-Cookie is
 * appended to whatever the app set, never replacing it; `Vary` and `Accept-CH` are merged with
 * the app's values the same way.
 */
function applyHeaders(
  res: ServerResponse,
  plan: CommitPlan,
  writeHeadArgs: unknown[] | undefined,
  askForClientHints: boolean,
): void {
  if (res.headersSent) return;
  if (writeHeadArgs) foldWriteHeadHeaders(res, writeHeadArgs);
  if (plan.setCookie) res.appendHeader('Set-Cookie', plan.setCookie);
  if (plan.vary) addVaryCookie(res);
  if (askForClientHints) addAcceptClientHints(res);
}

function foldWriteHeadHeaders(res: ServerResponse, args: unknown[]): void {
  const index = typeof args[1] === 'string' ? 2 : 1;
  const headers = args[index];
  if (!headers || typeof headers !== 'object') return;
  if (Array.isArray(headers)) {
    // Flat [name, value, name, value] or [[name, value]] form.
    const pairs: Array<[string, unknown]> = Array.isArray(headers[0])
      ? (headers as Array<[string, unknown]>)
      : Array.from({ length: headers.length / 2 }, (_, i) => [headers[2 * i] as string, headers[2 * i + 1]]);
    for (const [name, value] of pairs) setFolded(res, name, value);
  } else {
    for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) setFolded(res, name, value);
  }
  args.splice(index, 1);
}

function setFolded(res: ServerResponse, name: string, value: unknown): void {
  if (value === undefined) return;
  if (name.toLowerCase() === 'set-cookie') res.appendHeader(name, value as string | string[]);
  else res.setHeader(name, value as string | number | readonly string[]);
}

function addVaryCookie(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  if (current === undefined) {
    res.setHeader('Vary', 'Cookie');
    return;
  }
  const text = Array.isArray(current) ? current.join(', ') : current === undefined ? '' : String(current);
  if (text.trim() === '*') return;
  if (text.split(',').some((part) => part.trim().toLowerCase() === 'cookie')) return;
  res.setHeader('Vary', text ? `${text}, Cookie` : 'Cookie');
}

/**
 * Asks the browser for the hints the session stores (`Accept-CH`), after any the app asks for
 * itself, each name once. No `Vary` on them: the response is the same whatever they say; only
 * the stored session depends on them (docs/configuration.md#client-hints).
 */
function addAcceptClientHints(res: ServerResponse): void {
  const current = res.getHeader('Accept-CH');
  if (current === undefined) {
    res.setHeader('Accept-CH', ACCEPT_CLIENT_HINTS);
    return;
  }
  const text = Array.isArray(current) ? current.join(', ') : String(current);
  const named = new Set(text.split(',').map((part) => part.trim().toLowerCase()));
  const missing = REQUESTED_CLIENT_HINTS.filter((hint) => !named.has(hint.toLowerCase()));
  if (missing.length === 0) return;
  const asked = text.trim();
  res.setHeader('Accept-CH', asked ? `${asked}, ${missing.join(', ')}` : missing.join(', '));
}
