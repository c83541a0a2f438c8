// Serving the API over HTTPS (or plain HTTP on loopback), with time limits on slow clients, and
// closing cleanly (SIGTERM): stop accepting connections, let requests in flight finish (their
// ledger writes become durable and are answered), then cut whatever is left after a bounded wait.

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import { SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from './security-headers.ts';

export interface ServerLimits {
  /** Time to finish the TLS handshake and send a request's headers; default 20 000 ms. */
  readonly headersMs?: number;
  /** Time to send a whole request, body included; default 60 000 ms. */
  readonly requestMs?: number;
  /** How long an idle keep-alive connection is kept; default 5 000 ms. */
  readonly keepAliveMs?: number;
}

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Serve HTTPS with this certificate (PEM, the server's first, then any chain) and key. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly limits?: ServerLimits;
  /** How long close() waits for requests in flight; default 10 000 ms. */
  readonly closeTimeoutMs?: number;
}

export interface RunningServer {
  /** e.g. https://127.0.0.1:8443 (the port actually bound). */
  readonly url: string;
  /** Resolves once every connection is closed; calling it again returns the same promise. */
  close(): Promise<void>;
}

/** Node's own answers to requests it cannot parse, by error code (others are 400). */
const CLIENT_ERROR_STATUS: Readonly<Record<string, number>> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
};

/**
 * A request Node's parser refuses (malformed, headers too large, too slow) never reaches the app:
 * it is answered here, with the same security headers and an empty body, and the connection closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex, tls: boolean): void {
  // What a response already started on this connection (Node's own check for the same case).
  const started = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent;
  // Only HTTP's own errors get an answer: a TLS failure (a handshake never finished, a client
  // speaking plain HTTP to the HTTPS port) reaches here too, on a connection with no HTTP on it.
  const http = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code?.startsWith('HPE_') === true;
  if (!http || !socket.writable || started === true) {
    socket.destroy();
    return;
  }
  const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
  const headers = {
    ...SECURITY_HEADERS,
    ...(tls ? { 'Strict-Transport-Security': STRICT_TRANSPORT_SECURITY } : {}),
    'Content-Length': '0',
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('')}\r\n`);
}

export async function startServer(
  app: Pick<Koa, 'callback'>,
  options: ServeOptions,
): Promise<RunningServer> {
  const callback = app.callback();
  let closing = false;
  const headersMs = options.limits?.headersMs ?? 20_000;
  const requestMs = options.limits?.requestMs ?? 60_000;
  // Node checks the two timeouts on a timer; a tenth of the shorter keeps the cut-off close.
  const checkEvery = Math.max(25, Math.min(30_000, Math.floor(headersMs / 10)));

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    // While shutting down, answer on the open connection but ask the client not to reuse it.
    if (closing) res.setHeader('Connection', 'close');
    res.once('close', () => {
      // A keep-alive connection whose request just finished is idle now: let it go.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    void callback(req, res);
  };
  // Slow or idle clients must not keep connections (and a shutdown) open indefinitely.
  const httpOptions = {
    headersTimeout: headersMs,
    requestTimeout: requestMs,
    connectionsCheckingInterval: checkEvery,
    keepAliveTimeout: options.limits?.keepAliveMs ?? 5_000,
  };
  const server =
    options.tls === undefined
      ? createHttpServer(httpOptions, handle)
      : createHttpsServer(
          {
            ...httpOptions,
            cert: options.tls.cert,
            key: options.tls.key,
            minVersion: 'TLSv1.2',
            // A client that connects and never finishes the handshake is cut like a slow request.
            handshakeTimeout: headersMs,
          },
          handle,
        );
  const tls = options.tls !== undefined;
  server.on('clientError', (error: Error, socket: Duplex) => answerClientError(error, socket, tls));

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
    url: `${tls ? 'https' : 'http'}://${host}:${address.port}`,
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
