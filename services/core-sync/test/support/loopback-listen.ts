import type { Server } from 'node:net';

/** Listens on a free port of 127.0.0.1; rejects with the server's error when it cannot. */
export async function listenOnFreeLoopbackPort(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
