import { mayRunInSeveralProcesses } from '../lib/cache/process-count.js';

// The start-up warning about an in-memory cache shared by nobody fires in clusters and under PM2.
describe('mayRunInSeveralProcesses', () => {
  it('is false for a lone process', () => {
    expect(mayRunInSeveralProcesses({}, false)).toBe(false);
  });

  it('is true in a Node cluster worker', () => {
    expect(mayRunInSeveralProcesses({}, true)).toBe(true);
  });

  it('is true under PM2 (NODE_APP_INSTANCE or pm_id)', () => {
    expect(mayRunInSeveralProcesses({ NODE_APP_INSTANCE: '0' }, false)).toBe(true);
    expect(mayRunInSeveralProcesses({ pm_id: '3' }, false)).toBe(true);
  });
});
