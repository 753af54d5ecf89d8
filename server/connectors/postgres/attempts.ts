/**
 * The connection attempts of one pg pool, so a cancel or a close can end them at once. pg's pool has no
 * way to give up an attempt: a server that accepts the TCP connection and never answers keeps its slot
 * (and a waiting run) until connectionTimeoutMillis. The pool is given this Client class, which notes
 * every client while it is still connecting; ending one destroys its socket, the pool's connect fails,
 * and the slot is free again. Clients that finished connecting are never touched.
 */
import type pgTypes from 'pg';

type PgModule = typeof pgTypes;

export interface ConnectAttempts {
  /** For `new pg.Pool({ Client })`. */
  readonly Client: new () => pgTypes.Client;
  /** Calls `connect` and returns what it returns, with the attempt it started, if it started one. */
  start<T>(connect: () => T): { readonly result: T; readonly attempt: pgTypes.Client | null };
  /** Ends `client`'s attempt if it is still connecting. */
  end(client: pgTypes.Client): void;
  /** Ends every attempt still connecting (the pool is closing). */
  endAll(): void;
}

export function connectAttempts(pg: PgModule): ConnectAttempts {
  const connecting = new Set<pgTypes.Client>();
  let newest: pgTypes.Client | null = null;
  class Client extends pg.Client {
    // The pool passes its own options (the URL, the connect timeout) when it constructs a client.
    constructor(options?: string | pgTypes.ClientConfig) {
      super(options);
      connecting.add(this);
      newest = this;
      const settled = () => connecting.delete(this);
      this.once('connect', settled);
      this.once('end', settled);
    }
  }
  const end = (client: pgTypes.Client) => {
    if (!connecting.delete(client)) return;
    client.connection.stream.destroy();
  };
  return {
    Client,
    start(connect) {
      newest = null;
      const result = connect();
      // pg's pool constructs the client for a caller synchronously inside connect() when it has room.
      const attempt: pgTypes.Client | null = newest;
      newest = null;
      return { result, attempt };
    },
    end,
    endAll() {
      for (const client of [...connecting]) end(client);
    },
  };
}
