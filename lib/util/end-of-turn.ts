let pending: Promise<void> | null = null;

/**
 * Resolves once the current turn of the event loop has run its I/O callbacks (at `setImmediate`).
 * Every caller of the same turn shares one timer and one promise, so that the requests Node
 * parsed from every ready socket in that turn all resume together, in one callback.
 */
export function endOfTurn(): Promise<void> {
  if (pending === null) {
    pending = new Promise((resolve) =>
      setImmediate(() => {
        pending = null;
        resolve();
      }),
    );
  }
  return pending;
}
