import { createServer } from 'node:net';

/**
 * A TCP port nothing listens on right now, for a service under test: fixed ports collide with a
 * developer's own services and with a second suite run on the same machine.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
