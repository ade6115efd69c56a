import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recorded provider response, read from test/fixtures/providers/<provider>/. */
export function fixture(provider: string, file: string): string {
  return readFileSync(`test/fixtures/providers/${provider}/${file}`, 'utf8');
}

export interface Reply {
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Never answer (the driver's timeout must fire). */
  hang?: boolean;
}

export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

/**
 * A real HTTP server on a loopback port standing in for a provider's host: each request is
 * recorded and answered by `route` (set per test). Hanging requests are released on close.
 */
export class ProviderServer {
  readonly requests: SeenRequest[] = [];
  route: (request: SeenRequest) => Reply = () => ({ status: 404, body: '' });
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();

  private constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seen = { path: url.pathname, query: url.searchParams, headers: req.headers };
      this.requests.push(seen);
      const reply = this.route(seen);
      if (reply.hang) {
        this.hanging.add(res);
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  }

  static async start(): Promise<ProviderServer> {
    const server = new ProviderServer();
    server.server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    return server;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
