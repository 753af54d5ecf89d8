/**
 * A loopback TCP proxy to a real server that can hold new connections: while held, it accepts them and
 * says nothing (a database that accepts and never answers), keeping what the client sends; `let()` then
 * forwards every held connection and every later one to the real server, bytes included. `accepted` and
 * `closed` count the client connections, so a test can tell that an abandoned attempt was closed rather
 * than left open.
 */
import net from 'node:net';

export interface HeldProxy {
  readonly port: number;
  /** Client connections accepted so far. */
  accepted(): number;
  /** Of those, the ones the client has closed (or that ended). */
  closed(): number;
  /** Resolves once `n` client connections have been accepted. */
  untilAccepted(n: number): Promise<void>;
  /** Stop holding: forward the held connections and every new one. */
  let(): void;
  close(): Promise<void>;
}

export async function heldProxy(target: { host: string; port: number }, o: { held: boolean }): Promise<HeldProxy> {
  let held = o.held;
  let accepted = 0;
  let closed = 0;
  const waiting: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const parked: { socket: net.Socket; sent: Buffer[] }[] = [];
  const forward = (socket: net.Socket, sent: readonly Buffer[]) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    for (const chunk of sent) upstream.write(chunk);
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  };
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed += 1;
    });
    for (const w of waiting.splice(0)) w();
    if (!held) return forward(socket, []);
    const entry = { socket, sent: [] as Buffer[] };
    socket.on('data', (chunk: Buffer) => entry.sent.push(chunk));
    parked.push(entry);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    closed: () => closed,
    untilAccepted(n) {
      return new Promise((resolve) => {
        const check = () => (accepted >= n ? resolve() : waiting.push(check));
        check();
      });
    },
    let() {
      held = false;
      for (const { socket, sent } of parked.splice(0)) {
        if (socket.destroyed) continue;
        socket.removeAllListeners('data');
        forward(socket, sent);
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
