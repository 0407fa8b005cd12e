/**
 * In-memory configuration access for the API's tests: a redacted document to show, and updates recorded, refused
 * with CONFIG_INVALID when `server.port` is not a number.
 */
import { SyncError } from '../../errors/index.js';
import type { ConfigAccess, ConfigUpdateResult, ConfigView } from '../../manager/index.js';

export class InMemoryConfigAccess implements ConfigAccess {
  readonly updates: { document: unknown; changedBy: string }[] = [];
  document: Record<string, unknown> = {
    sync: { mode: 'local_to_cloud', tables: [{ name: 'users' }] },
    server: { port: 8080, auth_token: '[redacted]', read_only_tokens: ['[redacted]', '[redacted]'] },
    databases: { local: { host: 'localhost', password: '[redacted]' } },
  };

  current(): ConfigView {
    return { config: this.document, restartRequired: [] };
  }

  update(document: unknown, changedBy: string): Promise<ConfigUpdateResult> {
    const server = (document as { server?: { port?: unknown } }).server;
    if (typeof server?.port !== 'number') {
      return Promise.reject(
        new SyncError('CONFIG_INVALID', 'the configuration is invalid: server.port: expected a number', {
          details: { problems: [{ path: 'server.port', message: 'expected a number' }] },
        }),
      );
    }
    this.updates.push({ document, changedBy });
    this.document = document as Record<string, unknown>;
    return Promise.resolve({
      applied: ['sync.tables'],
      restartRequired: ['server.port'],
      config: this.document,
    });
  }
}
