// A TCP proxy in front of a test's PostgreSQL server that passes every byte through, except that,
// once asked, it holds the server's replies on the next connection to send a COMMIT: the server
// has committed (and released the transaction's locks) while the client has not heard so yet, as
// on a slow network, or never hears (`cut`). For races between a node's COMMIT and what the other
// nodes do next, and for a COMMIT whose outcome the node cannot know.

import { connect, createServer, type Socket } from 'node:net';

export interface PgProxy {
  /** The database's URL with the proxy's port. */
  readonly url: string;
  /** The next connection to send COMMIT has its replies held from then on, until `release`. */
  holdNextCommit(): void;
  /** Resolves once a connection's replies are held (its COMMIT has gone to the server). */
  commitHeld(): Promise<void>;
  /** Sends what was held, and passes everything through again. */
  release(): void;
  /** Drops the held connections without sending what was held, as a network failing would. */
  cut(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly server: Socket;
  held: Buffer[] | null;
}

const COMMIT = Buffer.from('COMMIT');

export async function startPgProxy(url: string): Promise<PgProxy> {
  const target = new URL(url);
  const pairs = new Set<Pair>();
  let armed = false;
  let heard: () => void = () => undefined;
  let held = new Promise<void>((resolve) => (heard = resolve));

  const proxy = createServer((client) => {
    const server = connect(Number(target.port), target.hostname);
    const pair: Pair = { client, server, held: null };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes(COMMIT)) {
        armed = false;
        pair.held = [];
        heard();
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (pair.held === null) client.write(chunk);
      else pair.held.push(chunk);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(address.port);

  return {
    url: proxied.toString(),
    holdNextCommit() {
      armed = true;
      held = new Promise<void>((resolve) => (heard = resolve));
    },
    commitHeld: () => held,
    release() {
      armed = false;
      for (const pair of pairs) {
        const chunks = pair.held;
        pair.held = null;
        for (const chunk of chunks ?? []) pair.client.write(chunk);
      }
    },
    cut() {
      armed = false;
      for (const pair of pairs) {
        if (pair.held === null) continue;
        pair.client.destroy();
        pair.server.destroy();
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
