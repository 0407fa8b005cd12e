/**
 * What an event-stream test opens — the app listening on a free port, fetch clients, raw sockets — kept in one
 * place and closed after each test, the app's bus checked for listener errors on the way.
 */
import type { AddressInfo, Socket } from 'node:net';
import type { TestApi } from './api-test-kit.js';
import type { SseTestClient } from './sse-client.js';

export class StreamTestBench {
  #api: TestApi | undefined;
  readonly clients: SseTestClient[] = [];
  readonly sockets: Socket[] = [];

  /** Listens with `api` on 127.0.0.1 at a free port; the event stream's URL. */
  async listen(api: TestApi): Promise<string> {
    this.#api = api;
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/api/v1/sync/stream`;
  }

  /** Closes everything opened; the errors the app's bus listeners threw (there should be none). */
  async close(): Promise<readonly unknown[]> {
    for (const client of this.clients.splice(0)) client.close();
    for (const socket of this.sockets.splice(0)) socket.destroy();
    const api = this.#api;
    this.#api = undefined;
    await api?.app.close();
    return api?.listenerErrors ?? [];
  }
}
