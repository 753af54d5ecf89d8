/**
 * A TCP proxy between the browser and the Opsbook server that a spec controls, standing for the network in
 * between (a load balancer, a VPN): it can slow what the server sends (so a run is still streaming when the
 * spec acts), drop every connection at once without a close frame (what a network drop does), and refuse
 * new connections for a while (the link stays down) — all on real sockets, with the page's own client.
 */
import net from 'node:net';

/** Bytes passed on per tick while slowed, and the tick: about 80 KB/s. */
const DRIP_BYTES = 2 * 1024;
const DRIP_MS = 25;

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private upstreamPort = 0;
  private slow = false;
  private refusing = false;

  private constructor(private readonly server: net.Server) {}

  static async listen(): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The origin a page uses to reach the server through this proxy. */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Where connections go (the server starts after the proxy: its allowed origins name the proxy's). */
  forwardTo(port: number): void {
    this.upstreamPort = port;
  }

  /** Slow what the server sends on every connection, open or new. */
  slowDown(on: boolean): void {
    this.slow = on;
  }

  /** Every connection dropped at once, both sides, without a WebSocket close frame; and new ones refused until `restore`. */
  dropAll(): void {
    this.refusing = true;
    for (const pair of [...this.pairs]) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  /** The link is back: new connections go through again, at full speed. */
  restore(): void {
    this.slow = false;
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing || !this.upstreamPort) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: this.upstreamPort });
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    this.relayDown(upstream, client);
  }

  /** Server to browser: as it comes, or a drip while slowed (the server then waits on a full socket, as with a slow link). */
  private relayDown(from: net.Socket, to: net.Socket): void {
    const queue: Buffer[] = [];
    let dripping = false;
    const drip = () => {
      if (to.destroyed) return;
      const chunk = queue.shift();
      if (!chunk) {
        dripping = false;
        from.resume();
        return;
      }
      if (chunk.length > DRIP_BYTES) queue.unshift(chunk.subarray(DRIP_BYTES));
      to.write(chunk.subarray(0, DRIP_BYTES));
      setTimeout(drip, DRIP_MS);
    };
    from.on('data', (chunk: Buffer) => {
      if (!this.slow && !dripping) {
        to.write(chunk);
        return;
      }
      queue.push(chunk);
      from.pause();
      if (!dripping) {
        dripping = true;
        drip();
      }
    });
    from.on('end', () => to.end());
  }
}
