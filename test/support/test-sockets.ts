import { io } from 'socket.io-client';
import WebSocket from 'ws';

/** How a test connection ended: socket.io's `session-ended` reason (or its disconnect reason), ws's close frame. */
export interface SocketEnd {
  reason: string;
  /** The WebSocket close code (ws only). */
  code?: number;
}

/** A test client of a gateway: socket.io or plain ws, with one answer per request. */
export interface TestSocket {
  /** What the gateway said on connection. */
  hello: Promise<{ id: string | null; userId: number | null }>;
  /** Sends a message and resolves to the handler's answer. */
  request<T>(event: string, data?: unknown): Promise<T>;
  /** Sends a message without waiting for an answer. */
  send(event: string, data?: unknown): void;
  ended: Promise<SocketEnd>;
  isOpen(): boolean;
  close(): void;
}

export type SocketKind = 'socket.io' | 'ws';

/** Connects to the app's gateway as a browser would, with its cookie and User-Agent. */
export function connectSocket(
  kind: SocketKind,
  url: string,
  {
    cookie,
    userAgent = 'SocketTest/1.0',
    path,
    origin,
  }: { cookie?: string; userAgent?: string; path?: string; origin?: string } = {},
): TestSocket {
  const headers: Record<string, string> = {
    'User-Agent': userAgent,
    ...(cookie ? { Cookie: cookie } : {}),
    ...(origin ? { Origin: origin } : {}),
  };
  // socket.io: `path` names the namespace.
  return kind === 'ws' ? connectWs(url, headers, path) : connectIo(url + (path ?? ''), headers);
}

function connectIo(url: string, headers: Record<string, string>): TestSocket {
  const socket = io(url, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
  let endedReason: string | undefined;
  socket.on('session-ended', (data: { reason: string }) => (endedReason = data.reason));
  return {
    hello: new Promise((resolve) => socket.once('hello', resolve)),
    request: <T>(event: string, data?: unknown) => socket.timeout(5000).emitWithAck(event, data) as Promise<T>,
    send: (event, data) => void socket.emit(event, data),
    ended: new Promise((resolve) => socket.once('disconnect', (why) => resolve({ reason: endedReason ?? why }))),
    isOpen: () => socket.connected,
    close: () => void socket.disconnect(),
  };
}

function connectWs(url: string, headers: Record<string, string>, path = '/'): TestSocket {
  const socket = new WebSocket(url.replace(/^http/, 'ws') + path, { headers });
  const waiting: Array<(message: unknown) => void> = [];
  const queued: unknown[] = [];
  let hello!: (value: { id: string | null; userId: number | null }) => void;
  socket.on('message', (raw) => {
    const message = JSON.parse(String(raw)) as { event?: string; data?: unknown };
    if (message.event === 'hello') return hello(message.data as { id: string | null; userId: number | null });
    const next = waiting.shift();
    if (next) next(message);
    else queued.push(message);
  });
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const send = (event: string, data?: unknown) => void opened.then(() => socket.send(JSON.stringify({ event, data })));
  return {
    hello: new Promise((resolve) => (hello = resolve)),
    request: <T>(event: string, data?: unknown) => {
      const answer = new Promise<T>((resolve, reject) => {
        if (queued.length > 0) return resolve(queued.shift() as T);
        const timer = setTimeout(() => reject(new Error(`no answer to ${event}`)), 5000);
        waiting.push((message) => {
          clearTimeout(timer);
          resolve(message as T);
        });
      });
      send(event, data);
      return answer;
    },
    send,
    ended: new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    ),
    isOpen: () => socket.readyState === WebSocket.OPEN,
    close: () => socket.close(),
  };
}
