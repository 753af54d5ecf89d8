/** Ports for the bench's servers. */
import net from 'node:net';

/** A port the system just handed out (listen on 0), for a child server: no fixed ports on a shared machine. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
