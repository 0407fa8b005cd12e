import { deepFreeze } from './document-values.js';
import type { DatabaseConfig, ServiceConfig } from './types.js';

/** What a secret reads as in logs and API answers. */
export const redactedText = '[redacted]';

/**
 * A copy of the configuration that is safe to log or return from the API: every password and token (set or
 * empty) reads `[redacted]`. Use it whenever the configuration leaves the process.
 */
export function redactConfig(config: ServiceConfig): ServiceConfig {
  return deepFreeze({
    ...config,
    databases: {
      local: redactDatabase(config.databases.local),
      cloud: redactDatabase(config.databases.cloud),
    },
    stateStorage:
      config.stateStorage.type === 'mysql'
        ? { ...config.stateStorage, password: redactedText }
        : { ...config.stateStorage },
    server: {
      ...config.server,
      authToken: config.server.authToken === undefined ? undefined : redactedText,
      readOnlyTokens: config.server.readOnlyTokens.map(() => redactedText),
    },
  });
}

function redactDatabase(database: DatabaseConfig): DatabaseConfig {
  return { ...database, password: redactedText, replicationPassword: redactedText };
}
