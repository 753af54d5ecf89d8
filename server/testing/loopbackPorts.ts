/**
 * Loopback ports that misbehave on purpose, for testing how a driver fails: one that refuses
 * connections, one that accepts and stays silent, one that hangs up at once, one that answers the
 * driver's first packet with text that is no database protocol (an HTTP server on the wrong port), and
 * one that starts a plausible answer packet and hangs up in the middle of it. `connections` counts what
 * a port accepted and what the client closed since (an attempt given up must not stay open), and
 * `closeAll` releases them.
 */
import net from 'node:net';

export type PortBehaviour = 'refuse' | 'silent' | 'hang-up' | 'garbage' | PacketCut;

/** Answers the first bytes the driver sends with `head` (the start of a packet) and hangs up mid-packet. */
export interface PacketCut {
  readonly cutAfter: Buffer;
}

const GARBAGE = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html><body>400 Bad Request</body></html>\r\n');

export function misbehavingPorts() {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const counts = new Map<number, { accepted: number; closed: number }>();
  return {
    /** Connections the port accepted, and of those the ones that are closed now. */
    connections(port: number): { accepted: number; closed: number } {
      return { ...(counts.get(port) ?? { accepted: 0, closed: 0 }) };
    },
    async listener(behaviour: PortBehaviour): Promise<number> {
      const count = { accepted: 0, closed: 0 };
      const server = net.createServer((socket) => {
        if (!server.listening) return void socket.destroy();
        sockets.add(socket);
        count.accepted += 1;
        socket.on('close', () => (count.closed += 1));
        socket.on('error', () => undefined);
        if (behaviour === 'hang-up') socket.destroy();
        else if (behaviour === 'garbage') socket.once('data', () => socket.end(GARBAGE));
        else if (typeof behaviour === 'object') socket.once('data', () => socket.write(behaviour.cutAfter, () => socket.destroy()));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      counts.set(port, count);
      if (behaviour === 'refuse') await new Promise((r) => server.close(r));
      else servers.push(server);
      return port;
    },
    async closeAll(): Promise<void> {
      // Stop listening first: a driver still retrying (node-oracledb's pool opens the next session as soon
      // as one fails) must not slip a new connection in after the sockets were destroyed.
      const closed = Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
