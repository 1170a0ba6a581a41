import { applyIpPrivacy } from '../lib/session/ip-privacy.js';
import { resolveOptions } from '../lib/options/resolve-options.js';

describe('applyIpPrivacy', () => {
  it.each([
    ['89.160.20.112', '89.160.20.0'],
    ['10.0.0.255', '10.0.0.0'],
    ['2001:218::1', '2001:218::'],
    ['2001:0db8:0000:0042:0000:8a2e:0370:7334', '2001:db8::'],
    ['2001:0:5:6::1', '2001:0:5::'],
    ['2a02:1234:5678:9abc::1', '2a02:1234:5678::'],
    ['::1', '::'],
    ['FE80::1', 'fe80::'],
  ])("'truncated' keeps %s as %s", (ip, kept) => {
    expect(applyIpPrivacy(ip, 'truncated')).toBe(kept);
  });

  it("'truncated' drops what it cannot read rather than keep it whole", () => {
    expect(applyIpPrivacy('64:ff9b::192.0.2.33', 'truncated')).toBeNull();
    expect(applyIpPrivacy('not an address', 'truncated')).toBeNull();
    expect(applyIpPrivacy(null, 'truncated')).toBeNull();
  });

  it("'full' keeps the address, 'none' keeps nothing", () => {
    expect(applyIpPrivacy('89.160.20.112', 'full')).toBe('89.160.20.112');
    expect(applyIpPrivacy('89.160.20.112', 'none')).toBeNull();
  });
});

describe('the privacy option', () => {
  it('keeps the full address by default, and names a wrong value or key', () => {
    expect(resolveOptions({}).privacy).toEqual({ ip: 'full' });
    expect(resolveOptions({ privacy: { ip: 'none' } }).privacy).toEqual({ ip: 'none' });
    expect(() => resolveOptions({ privacy: { ip: 'hashed' as 'none' } })).toThrow(
      "`privacy.ip` must be 'full', 'truncated' or 'none'; got \"hashed\".",
    );
    expect(() => resolveOptions({ privacy: { IP: 'none' } as object })).toThrow(
      'unknown option `privacy.IP`; did you mean `privacy.ip`?',
    );
  });
});
