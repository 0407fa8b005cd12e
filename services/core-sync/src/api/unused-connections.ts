import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Connections that have not carried a request yet (a browser's preconnect, a client's spare pooled socket).
 * Node's `server.close()` waits for them to go away by themselves — it closes idle keep-alive connections, but
 * not ones that never had a request — so shutdown could wait for a client's idle timeout. The app destroys them
 * when it closes.
 */
export class UnusedConnections {
  readonly #sockets = new Set<Socket>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (request: { socket: Socket }) => this.#sockets.delete(request.socket));
  }

  get size(): number {
    return this.#sockets.size;
  }

  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }
}
