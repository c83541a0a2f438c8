// The ledger's LISTEN connection: one client outside the pool that hears the other nodes'
// commits (NOTIFY with the seq of their last record), so a node stays close to current without
// being asked, and that reconnects by itself after losing the database.

import pg from 'pg';
import { describeError } from './connection.ts';
import { quoteIdentifier } from './schema.ts';

export interface ListenerOptions {
  readonly config: pg.ClientConfig;
  readonly channel: string;
  /** Wait between attempts to reconnect. */
  readonly retryMs: number;
  onNotify(payload: string): void;
  /** Listening (again): notifications sent while not listening were missed. */
  onConnected(): void;
  /** A connection that was listening is gone. */
  onLost(reason: string): void;
}

export interface Listener {
  readonly connected: boolean;
  close(): Promise<void>;
}

export function startListener(options: ListenerOptions): Listener {
  let client: pg.Client | null = null;
  let connected = false;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;

  function retry(): void {
    if (closed || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, options.retryMs);
    timer.unref();
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client(options.config);
    client = c;
    let gone = false;
    const lost = (reason: string) => {
      if (gone) return;
      gone = true;
      const wasConnected = connected && client === c;
      if (client === c) {
        client = null;
        connected = false;
      }
      void c.end().catch(() => undefined);
      if (closed) return;
      if (wasConnected) options.onLost(reason);
      retry();
    };
    c.on('error', (error) => lost(describeError(error)));
    c.on('end', () => lost('the connection ended'));
    c.on('notification', (message) => {
      if (message.channel === options.channel) options.onNotify(message.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${quoteIdentifier(options.channel)}`);
    } catch (error) {
      lost(describeError(error));
      return;
    }
    if (closed || gone) return;
    connected = true;
    options.onConnected();
  }

  void connect();
  return {
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      const c = client;
      client = null;
      connected = false;
      await c?.end().catch(() => undefined);
    },
  };
}
