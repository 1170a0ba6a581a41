import type { AddressInfo } from 'node:net';
import type { HttpAdapterHost } from '@nestjs/core';

/** `http://127.0.0.1:3000`: how to reach a server listening on `host` and `port` from this machine. */
export function listeningOrigin(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * The address the app's pages are reached at, for links that leave the app (the "This wasn't me"
 * link of an e-mail): SAMPLE_PUBLIC_URL when set (the app behind a proxy, on another host), else
 * the address the app listens on.
 */
export class PublicUrl {
  constructor(
    private readonly configured: string | null,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The address without a trailing slash, e.g. `https://demo.example.com`. */
  origin(): string {
    if (this.configured) return this.configured;
    const address = this.adapterHost.httpAdapter.getHttpServer().address() as AddressInfo | string | null;
    if (!address || typeof address === 'string') {
      throw new Error('sample app: the app is not listening on a TCP port; set SAMPLE_PUBLIC_URL for e-mail links.');
    }
    return listeningOrigin(address.address, address.port);
  }
}
