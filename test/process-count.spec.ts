import { mayRunInSeveralProcesses, severalProcessesWarning } from '../lib/cache/process-count.js';

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

// Every cache that keeps sessions in one process gets the warning: the library's own, and the
// app's CACHE_MANAGER taken with `useAppCacheManager: true` over an in-process store.
describe('severalProcessesWarning', () => {
  it('warns about the in-memory cache in one of several processes', () => {
    expect(severalProcessesWarning('own', true)).toMatch(
      /^cached_db with the in-memory cache while .*several processes/,
    );
  });

  it('warns about an in-process app CACHE_MANAGER in one of several processes, naming it', () => {
    const warning = severalProcessesWarning('app', true);
    expect(warning).toMatch(/app's CACHE_MANAGER \(`useAppCacheManager: true`\)/);
    expect(warning).toMatch(/several processes/);
    expect(warning).toMatch(/@keyv\/redis/);
  });

  it('warns about an in-process `cache.instance` in one of several processes, naming it', () => {
    const warning = severalProcessesWarning('instance', true);
    expect(warning).toMatch(/`cache.instance`, whose store keeps entries in this process/);
    expect(warning).toMatch(/several processes/);
  });

  it('says nothing for a shared cache, or in a lone process', () => {
    expect(severalProcessesWarning(null, true)).toBeNull();
    expect(severalProcessesWarning('own', false)).toBeNull();
    expect(severalProcessesWarning('app', false)).toBeNull();
  });
});
