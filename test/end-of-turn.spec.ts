import { endOfTurn } from '../lib/util/end-of-turn.js';

// endOfTurn(): every caller of one turn of the event loop resumes in the same setImmediate
// callback (which is what lets the in-memory cache's hits resume together, as Redis replies do).

describe('endOfTurn', () => {
  it('gives every caller of one turn the same promise, resolved after the turn', async () => {
    const first = endOfTurn();
    const second = endOfTurn();
    expect(second).toBe(first);
    const order: string[] = [];
    setImmediate(() => order.push('immediate queued after'));
    void first.then(() => order.push('resumed'));
    await first;
    expect(order).toEqual(['resumed']);
  });

  it('starts a new turn once the previous one resolved', async () => {
    const first = endOfTurn();
    await first;
    const next = endOfTurn();
    expect(next).not.toBe(first);
    await next;
  });

  it('waits for the turn, not only for the microtasks queued now', async () => {
    let resolved = false;
    void endOfTurn().then(() => {
      resolved = true;
    });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(resolved).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(true);
  });
});
