// Serving the API: listen, and close cleanly (SIGTERM): stop accepting connections, let requests
// in flight finish (their ledger writes become durable and are answered), then cut whatever is
// left after a bounded wait.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** How long close() waits for requests in flight; default 10 000 ms. */
  readonly closeTimeoutMs?: number;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8080 (the port actually bound). */
  readonly url: string;
  /** Resolves once every connection is closed; calling it again returns the same promise. */
  close(): Promise<void>;
}

export async function startServer(
  app: Pick<Koa, 'callback'>,
  options: ServeOptions,
): Promise<RunningServer> {
  const callback = app.callback();
  let closing = false;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // While shutting down, answer on the open connection but ask the client not to reuse it.
    if (closing) res.setHeader('Connection', 'close');
    res.once('close', () => {
      // A keep-alive connection whose request just finished is idle now: let it go.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    void callback(req, res);
  });
  // Slow or idle clients must not keep connections (and a shutdown) open indefinitely.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        // Requests in flight keep their connections; after the wait, those are cut too.
        const timer = setTimeout(
          () => server.closeAllConnections(),
          options.closeTimeoutMs ?? 10_000,
        );
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
