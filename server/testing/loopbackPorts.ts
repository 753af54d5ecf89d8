/**
 * Loopback ports that misbehave on purpose, for testing how a driver fails: one that refuses
 * connections, one that accepts and stays silent, one that hangs up at once. `closeAll` releases them.
 */
import net from 'node:net';

export type PortBehaviour = 'refuse' | 'silent' | 'hang-up';

export function misbehavingPorts() {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  return {
    async listener(behaviour: PortBehaviour): Promise<number> {
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        if (behaviour === 'hang-up') socket.destroy();
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
