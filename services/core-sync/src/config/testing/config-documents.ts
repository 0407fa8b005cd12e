/** Configuration documents (snake_case, as the YAML file reads) that the config tests build on. */

/** The smallest valid document; tests spread their changes over it. */
export function minimalDocument(): Record<string, unknown> {
  return {
    databases: {
      local: { host: 'localhost', user: 'sync_user', database: 'app_local' },
      cloud: { host: 'db.example.com', user: 'sync_user', database: 'app_cloud' },
    },
    sync: { tables: [{ name: 'users', primary_key: 'id' }] },
  };
}

/** The smallest valid document with this `sync` section. */
export function withSync(sync: Record<string, unknown>): Record<string, unknown> {
  return { ...minimalDocument(), sync };
}

/** The smallest valid document with this `server` section. */
export function documentWithServer(server: Record<string, unknown>): Record<string, unknown> {
  return { ...minimalDocument(), server };
}
