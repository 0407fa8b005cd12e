import { isIP } from 'node:net';
import { z } from 'zod';
import { problemMessages } from './problems.js';
import { duration, nonEmptyText } from './schema-parts.js';
import type { TrustProxy } from './types.js';

/** The `server` section: the HTTP API's address, tokens, CORS origins, trusted proxies and event-stream caps. */

const originPattern = /^https?:\/\/[^/\s?#]+$/;
const originSchema = z.string().refine((text) => text === '*' || originPattern.test(text), {
  error: problemMessages.origin,
});
/**
 * Words of the placeholders that example files ship (`change-me`, `changeme`, `example`, `placeholder`,
 * `replace-me`), in any case: a token holding one was copied from an example, not generated, and anyone who has
 * read the example can guess it.
 */
const placeholderTokenPattern = /change[-_ ]?me|example|placeholder|replace[-_ ]?me/i;

function isPlaceholderToken(token: string): boolean {
  return placeholderTokenPattern.test(token);
}

const tokenSchema = z
  .string()
  .min(16)
  .refine((token) => !isPlaceholderToken(token), { error: problemMessages.placeholderToken });

const proxyNames: ReadonlySet<string> = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address (`10.0.0.7`, `::1`), a CIDR range (`10.0.0.0/8`), or proxy-addr's `loopback`/`linklocal`/`uniquelocal`. */
export function isProxyAddress(text: string): boolean {
  if (proxyNames.has(text)) return true;
  const [address = '', prefix, ...rest] = text.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** false, true, a hop count, a list of addresses, or the same list as one comma-separated text (for MYSQL_SYNC_*). */
const trustProxySchema = z
  .unknown()
  .transform((value, context): TrustProxy => {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 1 && value <= 100) return value;
      context.addIssue({ code: 'custom', message: 'as a hop count must be a whole number from 1 to 100' });
      return z.NEVER;
    }
    const entries: unknown = typeof value === 'string' ? value.split(',') : value;
    if (!Array.isArray(entries) || entries.length === 0) {
      context.addIssue({ code: 'custom', message: problemMessages.trustProxy });
      return z.NEVER;
    }
    const addresses = entries.map((entry: unknown) => (typeof entry === 'string' ? entry.trim() : entry));
    let valid = true;
    for (const [index, address] of addresses.entries()) {
      if (typeof address === 'string' && isProxyAddress(address)) continue;
      valid = false;
      context.addIssue({
        code: 'custom',
        message: problemMessages.proxyAddress,
        ...(Array.isArray(value) ? { path: [index] } : {}),
      });
    }
    return valid ? (addresses as string[]) : z.NEVER;
  })
  .prefault(false);

export const serverSchema = z
  .strictObject({
    port: z.int().min(0).max(65_535).default(8080),
    host: nonEmptyText.default('127.0.0.1'),
    auth_token: tokenSchema.optional(),
    read_only_tokens: z.array(tokenSchema).default([]),
    read_timeout: duration('30s'),
    cors_origins: z.array(originSchema).default([]),
    trust_proxy: trustProxySchema,
    event_stream_max_clients: z.int().min(1).max(10_000).default(100),
    event_stream_max_clients_per_token: z.int().min(1).max(10_000).default(10),
  })
  .transform((raw) => ({
    port: raw.port,
    host: raw.host,
    authToken: raw.auth_token,
    readOnlyTokens: [...raw.read_only_tokens],
    readTimeoutMs: raw.read_timeout,
    corsOrigins: [...raw.cors_origins],
    trustProxy: raw.trust_proxy,
    eventStreamMaxClients: raw.event_stream_max_clients,
    eventStreamMaxClientsPerToken: raw.event_stream_max_clients_per_token,
  }));
