/**
 * Loopback ports that misbehave on purpose, for testing how a driver fails: one that refuses
 * connections, one that accepts and stays silent, one that hangs up at once, one that answers the
 * driver's first packet with text that is no database protocol (an HTTP server on the wrong port), and
 * one that starts a plausible answer packet and hangs up in the middle of it. `closeAll` releases them.
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
  return {
    async listener(behaviour: PortBehaviour): Promise<number> {
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        if (behaviour === 'hang-up') socket.destroy();
        else if (behaviour === 'garbage') socket.once('data', () => socket.end(GARBAGE));
        else if (typeof behaviour === 'object') socket.once('data', () => socket.write(behaviour.cutAfter, () => socket.destroy()));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      if (behaviour === 'refuse') await new Promise((r) => server.close(r));
      else servers.push(server);
      return port;
    },
    async closeAll(): Promise<void> {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
