import proxyAddr from 'proxy-addr';
import { QSESSIONS_DEFAULTS as DEFAULTS, type TrustProxyOption } from '../qsessions.options.js';

/**
 * The `trustProxy` option as a test of each hop, `(address, hopIndex) => boolean`, adding a
 * problem (with its fix) to `problems` when it cannot be read.
 */
export function resolveTrustProxy(
  input: TrustProxyOption | undefined,
  problems: string[],
): (address: string, hop: number) => boolean {
  const option = input ?? DEFAULTS.trustProxy;
  if (option === false) return () => false;
  if (option === true) return () => true;
  if (typeof option === 'function') return option;
  if (typeof option === 'number') {
    if (!Number.isSafeInteger(option) || option < 0) {
      problems.push('`trustProxy` as a number is the count of proxy hops to trust and must be a whole number ≥ 0.');
    }
    return (_address, hop) => hop < option;
  }
  try {
    const list = typeof option === 'string' ? option.split(',').map((part) => part.trim()) : option;
    return proxyAddr.compile(list);
  } catch (error) {
    problems.push(
      `\`trustProxy\` could not be read: ${(error as Error).message}. Use addresses, CIDR subnets or 'loopback'/'linklocal'/'uniquelocal'.`,
    );
    return () => false;
  }
}
