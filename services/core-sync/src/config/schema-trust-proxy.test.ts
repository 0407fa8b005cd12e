/** `parseConfig` on `server.trust_proxy`: the proxies whose forwarded client address the API believes. */
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../test/support/config-problems.js';
import { parseConfig, type ConfigProblem } from './index.js';
import { minimalDocument } from './testing/config-documents.js';

describe('parseConfig: server.trust_proxy', () => {
  function trustProxyOf(trustProxy: unknown): unknown {
    return parseConfig({ ...minimalDocument(), server: { trust_proxy: trustProxy } }, 'test').server
      .trustProxy;
  }

  function trustProxyProblems(trustProxy: unknown): ConfigProblem[] {
    return problemsOf({ ...minimalDocument(), server: { trust_proxy: trustProxy } });
  }

  it('accepts false, true, a hop count, and addresses or CIDR ranges as a list or comma-separated text', () => {
    expect(trustProxyOf(false)).toBe(false);
    expect(trustProxyOf(true)).toBe(true);
    expect(trustProxyOf(2)).toBe(2);
    expect(trustProxyOf(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', 'loopback'])).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      '::1',
      'loopback',
    ]);
    expect(trustProxyOf('10.0.0.0/8, 127.0.0.1')).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it('rejects hop counts out of range, names that are not addresses, and bad prefixes', () => {
    const hopCount = 'as a hop count must be a whole number from 1 to 100';
    expect(trustProxyProblems(0)).toEqual([{ path: 'server.trust_proxy', message: hopCount }]);
    expect(trustProxyProblems(1.5)).toEqual([{ path: 'server.trust_proxy', message: hopCount }]);
    const address =
      'must be an IP address, a CIDR range such as "10.0.0.0/8", or one of loopback, linklocal, uniquelocal';
    expect(trustProxyProblems(['10.0.0.0/8', 'proxy.example.com', '10.0.0.0/33', '::1/129', 7])).toEqual([
      { path: 'server.trust_proxy[1]', message: address },
      { path: 'server.trust_proxy[2]', message: address },
      { path: 'server.trust_proxy[3]', message: address },
      { path: 'server.trust_proxy[4]', message: address },
    ]);
    expect(trustProxyProblems('10.0.0.1,')).toEqual([{ path: 'server.trust_proxy', message: address }]);
    expect(trustProxyProblems([])).toEqual([
      {
        path: 'server.trust_proxy',
        message:
          'must be false, true, a hop count, or a list of proxy addresses and CIDR ranges (such as [10.0.0.0/8])',
      },
    ]);
  });
});
