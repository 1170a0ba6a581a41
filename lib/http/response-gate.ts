import { ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import type { CommitPlan } from '../session/session-lifecycle.js';

type Decide = (status: number) => CommitPlan | Promise<CommitPlan>;
type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
type ResponseMethod = (...args: unknown[]) => unknown;
type Intercept = (method: Method, args: unknown[]) => unknown;

const METHODS: readonly Method[] = ['writeHead', 'write', 'end', 'flushHeaders'];

/** What the wrappers on ServerResponse.prototype share: Node's methods and the open gates. */
interface PrototypeGate {
  originals: Record<Method, ResponseMethod>;
  /** The wrappers installed on the prototype. */
  wrappers: Record<Method, ResponseMethod>;
  gates: WeakMap<object, Intercept>;
}

// Registered for the process, not per copy of this module, so that two copies of the library
// (or a test's module registry) install the wrappers once and see each other's gates.
const PROTOTYPE_GATE = Symbol.for('nest-qsessions.response-gate');

/**
 * Runs `decide` just before the response's first byte (its first writeHead, write, end or
 * flushHeaders, whichever Express or Fastify calls first) and applies the plan it returns.
 *
 * When the plan is ready at once (nothing to save), the response goes straight through. When the
 * session must be saved first, every call is held back and replayed after the save: the client
 * (and any other client) can only see the response once the session it implies is stored, and
 * a failed save can still turn into an error response because nothing has been sent yet.
 *
 * The calls are caught on `ServerResponse.prototype` (wrappers installed once, passing straight
 * through for responses without a gate) rather than on each response: Express gives every
 * response a hidden class of its own (`Object.setPrototypeOf` per request), so adding even one
 * property to it copies its whole property layout, which showed in the profile
 * (docs/performance.md). A response whose methods were already wrapped or replaced is gated on itself instead.
 */
export function gateResponse(res: ServerResponse, decide: Decide): void {
  const gate = prototypeGate();
  const shared = reachesPrototypeGate(res, gate) ? gate : null;
  // Node's methods; or, for a response whose methods do not all lead to the prototype's
  // (HTTP/2's compatibility API, Fastify's inject, a wrapper installed before this middleware),
  // the methods it has now, wrapped on the response itself as they always could be.
  const originals: Record<Method, ResponseMethod> = shared
    ? shared.originals
    : {
        writeHead: res.writeHead as ResponseMethod,
        write: res.write as ResponseMethod,
        end: res.end as ResponseMethod,
        flushHeaders: res.flushHeaders as ResponseMethod,
      };
  let held: Array<[Method, unknown[]]> | null = null;
  let phase: 'open' | 'holding' | 'done' = 'open';
  const call = (method: Method, args: unknown[]) => originals[method].apply(res, args);
  const settle = () => {
    phase = 'done';
    shared?.gates.delete(res);
  };

  const intercept = (method: Method, args: unknown[]): unknown => {
    if (phase === 'done') return call(method, args);
    if (phase === 'holding') {
      held!.push([method, args]);
      return method === 'end' ? res : true;
    }
    const status = method === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode;
    let plan: CommitPlan | Promise<CommitPlan>;
    try {
      plan = decide(status);
    } catch (error) {
      plan = Promise.reject(error);
    }
    if (!(plan instanceof Promise)) {
      settle();
      applyHeaders(res, plan, method === 'writeHead' ? args : undefined);
      return call(method, args);
    }
    phase = 'holding';
    const waiting: Array<[Method, unknown[]]> = [[method, args]];
    held = waiting;
    plan.then(
      (settled) => {
        settle();
        if (settled.replace) return replaceResponse(res, settled, waiting, call);
        replay(res, settled, waiting, call);
      },
      (error: unknown) => {
        settle();
        const message = (error as Error)?.message ?? 'The session could not be saved.';
        replaceResponse(
          res,
          { vary: true, replace: { status: 500, error: 'Internal Server Error', message } },
          waiting,
          call,
        );
      },
    );
    return method === 'end' ? res : true;
  };

  if (shared) {
    shared.gates.set(res, intercept);
    return;
  }
  // Left in place once the response is settled (they then pass straight through). Only the
  // methods this kind of response has (HTTP/2's has no flushHeaders).
  for (const method of METHODS) {
    if (typeof originals[method] !== 'function') continue;
    (res as unknown as Record<Method, ResponseMethod>)[method] = (...args: unknown[]) => intercept(method, args);
  }
}

/**
 * Whether a call to any of the response's methods lands in the prototype's wrappers: it is a
 * ServerResponse and neither it nor a subclass overrides them (light-my-request's response,
 * used by Fastify's inject, replaces write and end without calling Node's).
 */
function reachesPrototypeGate(res: ServerResponse, { wrappers }: PrototypeGate): boolean {
  if (!(res instanceof ServerResponse)) return false;
  return (
    res.writeHead === wrappers.writeHead &&
    res.write === wrappers.write &&
    res.end === wrappers.end &&
    res.flushHeaders === wrappers.flushHeaders
  );
}

/** Installs the pass-through wrappers on ServerResponse.prototype once per process. */
function prototypeGate(): PrototypeGate {
  const prototype = ServerResponse.prototype as unknown as Record<Method, ResponseMethod> & {
    [PROTOTYPE_GATE]?: PrototypeGate;
  };
  const installed = prototype[PROTOTYPE_GATE];
  if (installed) return installed;
  const shared: PrototypeGate = {
    originals: {
      writeHead: prototype.writeHead,
      write: prototype.write,
      end: prototype.end,
      flushHeaders: prototype.flushHeaders,
    },
    wrappers: {} as Record<Method, ResponseMethod>,
    gates: new WeakMap(),
  };
  for (const method of METHODS) {
    const original = shared.originals[method];
    // A named function expression, so that stack traces through it still read sensibly.
    shared.wrappers[method] = function gatedResponseMethod(this: ServerResponse, ...args: unknown[]): unknown {
      const intercept = shared.gates.get(this);
      return intercept ? intercept(method, args) : original.apply(this, args);
    };
    prototype[method] = shared.wrappers[method];
  }
  Object.defineProperty(prototype, PROTOTYPE_GATE, { value: shared });
  return shared;
}

function replay(
  res: ServerResponse,
  plan: CommitPlan,
  held: Array<[Method, unknown[]]>,
  call: (method: Method, args: unknown[]) => unknown,
): void {
  const first = held[0];
  applyHeaders(res, plan, first?.[0] === 'writeHead' ? first[1] : undefined);
  for (const [method, args] of held) call(method, args);
}

function replaceResponse(
  res: ServerResponse,
  plan: CommitPlan,
  held: Array<[Method, unknown[]]>,
  call: (method: Method, args: unknown[]) => unknown,
): void {
  const replace = plan.replace!;
  // Callbacks given to end() still run once the replacement is sent.
  for (const [method, args] of held) {
    if (method !== 'end') continue;
    const callback = args.find((arg) => typeof arg === 'function');
    if (callback) res.once('finish', callback as () => void);
  }
  const body = JSON.stringify({ statusCode: replace.status, error: replace.error, message: replace.message });
  for (const name of res.getHeaderNames()) {
    if (name !== 'set-cookie' && name !== 'vary') res.removeHeader(name);
  }
  applyHeaders(res, plan, undefined);
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
 * appended to whatever the app set, never replacing it.
 */
function applyHeaders(res: ServerResponse, plan: CommitPlan, writeHeadArgs: unknown[] | undefined): void {
  if (res.headersSent) return;
  if (writeHeadArgs) foldWriteHeadHeaders(res, writeHeadArgs);
  if (plan.setCookie) res.appendHeader('Set-Cookie', plan.setCookie);
  if (plan.vary) addVaryCookie(res);
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
