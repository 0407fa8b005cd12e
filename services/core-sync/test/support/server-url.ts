export interface ServerUrlParts {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export function formatServerUrl(server: ServerUrlParts): string {
  const credentials = `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}`;
  return `mysql://${credentials}@${server.host}:${server.port}`;
}

export function parseServerUrl(serverUrl: string): ServerUrlParts {
  const parsed = new URL(serverUrl);
  if (parsed.protocol !== 'mysql:') throw new Error(`expected a mysql:// URL, got ${serverUrl}`);
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}
