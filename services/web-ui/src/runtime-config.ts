/**
 * Where core-sync is: read at run time from `window.__MYSQL_SYNC_CONFIG__`, which `config.js` sets (written by
 * the server from MYSQL_SYNC_API_URL when it starts), so one build serves every deployment.
 */
declare global {
  interface Window {
    __MYSQL_SYNC_CONFIG__?: { readonly apiUrl?: unknown };
  }
}

export const defaultApiUrl = 'http://localhost:8080';

export function apiBaseUrl(source: Window | undefined = globalThis.window): string {
  const configured = source?.__MYSQL_SYNC_CONFIG__?.apiUrl;
  return typeof configured === 'string' && configured !== '' ? configured.replace(/\/+$/, '') : defaultApiUrl;
}
