/**
 * The signed-in session: the bearer token, kept in this tab's session storage only (never in the URL, never in
 * local storage, gone when the tab closes), and what the token may do.
 */
import { ApiClient, ApiError } from '../api/api-client';

export type Access = 'admin' | 'read-only' | 'unknown';

export interface Session {
  readonly token: string;
  readonly access: Access;
}

const tokenKey = 'mysql-sync.token';
const accessKey = 'mysql-sync.access';

export function loadSession(storage: Storage = sessionStorage): Session | null {
  const token = storage.getItem(tokenKey);
  if (token === null || token === '') return null;
  const stored = storage.getItem(accessKey);
  const access: Access = stored === 'admin' || stored === 'read-only' ? stored : 'unknown';
  return { token, access };
}

export function saveSession(session: Session, storage: Storage = sessionStorage): void {
  storage.setItem(tokenKey, session.token);
  storage.setItem(accessKey, session.access);
}

export function clearSession(storage: Storage = sessionStorage): void {
  storage.removeItem(tokenKey);
  storage.removeItem(accessKey);
}

/** Why a sign-in failed, in words an operator can act on. */
export function signInFailure(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  switch (error.status) {
    case 401:
      return 'This token is not accepted by core-sync. Use server.auth_token or one of server.read_only_tokens.';
    case 429:
      return `Too many wrong tokens from this address: core-sync refuses it for ${error.retryAfterSeconds ?? 60} s. ${error.message}`;
    default:
      return error.message;
  }
}

/**
 * Checks the token against the API with a read; throws ApiError when it is refused. What the token may change
 * is not known yet: the API has no route that says it, and asking by trying a change would put an error in
 * the service's log and the browser's console at every sign-in. The first change answered 403 decides
 * (and is remembered for the tab).
 */
export async function signIn(
  apiUrl: string,
  token: string,
  fetchImplementation?: typeof fetch,
): Promise<Session> {
  const client = new ApiClient({
    baseUrl: apiUrl,
    token,
    ...(fetchImplementation === undefined ? {} : { fetch: fetchImplementation }),
  });
  await client.status();
  return { token, access: 'unknown' };
}
