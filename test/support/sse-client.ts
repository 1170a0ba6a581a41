import http from 'node:http';

/** One server-sent event as received. */
export interface ReceivedEvent {
  type: string;
  data: unknown;
}

/** A server-sent-events stream read over a real HTTP request. */
export interface TestEventStream {
  /** Resolves with the first event of this type. */
  next(type: string): Promise<ReceivedEvent>;
  /** Resolves with every event once the server ends the stream. */
  ended: Promise<ReceivedEvent[]>;
  close(): void;
}

export function openEventStream(url: string, cookie?: string): TestEventStream {
  const events: ReceivedEvent[] = [];
  const waiters: Array<{ type: string; resolve: (event: ReceivedEvent) => void }> = [];
  let close!: () => void;
  const ended = new Promise<ReceivedEvent[]>((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...(cookie ? { Cookie: cookie } : {}) } });
    close = () => req.destroy();
    req.on('error', reject);
    req.on('response', (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (!event) continue;
          events.push(event);
          for (const waiter of waiters.filter((w) => w.type === event.type)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(event);
          }
        }
      });
      res.on('end', () => resolve(events));
      res.on('error', reject);
    });
  });
  return {
    next: (type) =>
      new Promise((resolve) => {
        const seen = events.find((event) => event.type === type);
        if (seen) resolve(seen);
        else waiters.push({ type, resolve });
      }),
    ended,
    close: () => close(),
  };
}

function parseEvent(block: string): ReceivedEvent | null {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) type = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length === 0) return null;
  const text = data.join('\n');
  try {
    return { type, data: JSON.parse(text) };
  } catch {
    return { type, data: text };
  }
}
