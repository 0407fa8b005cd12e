/**
 * Bearer-token authentication of `/api/v1/*`.
 *
 *   no admin token and no read-only token configured → open API (every caller is `anonymous` with admin rights)
 *   no / malformed Authorization header             → 401 UNAUTHORIZED (not counted as a failure)
 *   unknown token                                   → 401 UNAUTHORIZED, counted against the client address
 *   `maxFailures` unknown tokens within `windowMs`  → 429 RATE_LIMITED for `blockMs` on every /api/v1 request
 *   read-only token on POST / PUT / PATCH / DELETE  → 403 FORBIDDEN
 *
 * Tokens are compared as SHA-256 digests with `timingSafeEqual`, against every configured token each time, so
 * neither the time taken nor the token lengths tell an attacker anything. The API names a caller by a label
 * (`admin`, `read-only-0` for server.read_only_tokens[0]…), never by its token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config/index.js';
import { SyncError } from '../errors/index.js';
import { bearerChallenge } from './errors.js';

export interface Caller {
  /** `admin`, `read-only-<index>`, or `anonymous` when the API is open. */
  readonly label: string;
  readonly canWrite: boolean;
}

export interface AuthRateLimitOptions {
  /** Unknown tokens from one address within the window that trigger the block (default 20). */
  readonly maxFailures?: number;
  /** Default one minute. */
  readonly windowMs?: number;
  /** How long a blocked address is refused (default one minute). */
  readonly blockMs?: number;
  /** Addresses remembered at most; the least recently failing one is forgotten first (default 10,000). */
  readonly maxTrackedClients?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

interface FailureRecord {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/** Counts failed authentications per client address, in bounded memory. */
export class FailedAuthLimiter {
  readonly #records = new Map<string, FailureRecord>();
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #blockMs: number;
  readonly #maxTrackedClients: number;
  readonly #now: () => number;

  constructor(options: AuthRateLimitOptions = {}) {
    this.#maxFailures = options.maxFailures ?? 20;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#blockMs = options.blockMs ?? 60_000;
    this.#maxTrackedClients = options.maxTrackedClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds the address stays blocked; 0 when it is not blocked. */
  blockedForMs(address: string): number {
    const record = this.#records.get(address);
    if (record === undefined) return 0;
    return Math.max(0, record.blockedUntil - this.#now());
  }

  /** Records one failure; true when this failure blocked the address. */
  recordFailure(address: string): boolean {
    const now = this.#now();
    let record = this.#records.get(address);
    if (record === undefined || now - record.windowStart >= this.#windowMs) {
      record = { windowStart: now, failures: 0, blockedUntil: record?.blockedUntil ?? 0 };
    }
    this.#records.delete(address); // re-inserted last: the map's order is least recently failing first
    record.failures += 1;
    const blocks = record.failures >= this.#maxFailures && record.blockedUntil <= now;
    if (blocks) record.blockedUntil = now + this.#blockMs;
    this.#records.set(address, record);
    this.#forgetOldest();
    return blocks;
  }

  get trackedClients(): number {
    return this.#records.size;
  }

  #forgetOldest(): void {
    for (const address of this.#records.keys()) {
      if (this.#records.size <= this.#maxTrackedClients) return;
      this.#records.delete(address);
    }
  }
}

interface Credential {
  readonly digest: Buffer;
  readonly caller: Caller;
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The configured tokens, as digests. */
export class TokenAuthority {
  readonly #credentials: readonly Credential[];

  constructor(server: Pick<ServerConfig, 'authToken' | 'readOnlyTokens'>) {
    const credentials: Credential[] = [];
    if (server.authToken !== undefined && server.authToken.length > 0) {
      credentials.push({ digest: digestOf(server.authToken), caller: { label: 'admin', canWrite: true } });
    }
    server.readOnlyTokens.forEach((token, index) => {
      credentials.push({ digest: digestOf(token), caller: { label: `read-only-${index}`, canWrite: false } });
    });
    this.#credentials = credentials;
  }

  /** True when no token is configured: the API is open. */
  get open(): boolean {
    return this.#credentials.length === 0;
  }

  get hasAdminToken(): boolean {
    return this.#credentials.some((credential) => credential.caller.canWrite);
  }

  /** The caller the token belongs to, else null; compares against every token in constant time. */
  identify(token: string): Caller | null {
    const presented = digestOf(token);
    let found: Caller | null = null;
    for (const credential of this.#credentials) {
      if (timingSafeEqual(presented, credential.digest) && found === null) found = credential.caller;
    }
    return found;
  }
}

const anonymous: Caller = { label: 'anonymous', canWrite: true };
const mutatingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The token of an `Authorization: Bearer <token>` header, else null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Whether a request path is under the authenticated prefix. */
export function isProtectedPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === '/api/v1' || path.startsWith('/api/v1/');
}

/** The onRequest hook that authenticates and authorises, and the lookup of the caller it found. */
export class ApiAuthenticator {
  readonly #authority: TokenAuthority;
  readonly #limiter: FailedAuthLimiter;
  readonly #callers = new WeakMap<FastifyRequest, Caller>();

  constructor(authority: TokenAuthority, limiter: FailedAuthLimiter) {
    this.#authority = authority;
    this.#limiter = limiter;
  }

  /** Throws UNAUTHORIZED, FORBIDDEN or RATE_LIMITED; else remembers the caller of the request. */
  readonly authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!isProtectedPath(request.url) || request.method === 'OPTIONS') return;
    if (this.#authority.open) {
      this.#callers.set(request, anonymous);
      return;
    }
    const blockedForMs = this.#limiter.blockedForMs(request.ip);
    if (blockedForMs > 0) {
      const retryAfterSeconds = Math.ceil(blockedForMs / 1000);
      throw new SyncError(
        'RATE_LIMITED',
        `too many wrong tokens from this address; retry in ${retryAfterSeconds} s`,
        {
          details: { retryAfterSeconds },
        },
      );
    }
    const token = bearerToken(request.headers.authorization);
    if (token === null) {
      throw new SyncError('UNAUTHORIZED', 'this request needs an Authorization: Bearer <token> header');
    }
    const caller = this.#authority.identify(token);
    if (caller === null) {
      const blocked = this.#limiter.recordFailure(request.ip);
      request.log.warn({ clientAddress: request.ip, blocked }, 'refused an unknown API token');
      reply.header('www-authenticate', `${bearerChallenge}, error="invalid_token"`);
      throw new SyncError('UNAUTHORIZED', 'the bearer token is not one the service knows');
    }
    if (!caller.canWrite && mutatingMethods.has(request.method)) {
      throw new SyncError(
        'FORBIDDEN',
        `the token ${caller.label} is read-only; this request needs the admin token`,
      );
    }
    this.#callers.set(request, caller);
  };

  /** The caller authenticated for a request under /api/v1. */
  callerOf(request: FastifyRequest): Caller {
    const caller = this.#callers.get(request);
    if (caller === undefined) {
      throw new SyncError('INTERNAL', `no authenticated caller for ${request.method} ${request.url}`);
    }
    return caller;
  }
}
