/**
 * Bearer-token authentication and authorisation of every route, decided from the route that matched (never from
 * the URL's text, which the router decodes and normalises on its own). Deny by default:
 *
 *   route declares access 'public' (only GET /health)    → anyone; a token, when sent, must be a known one
 *   route declares access 'read'                          → any known token
 *   route declares nothing, or 'admin'                    → the admin token (a read-only token gets 403 FORBIDDEN)
 *   no route matched (404)                                → any known token, then 404 NOT_FOUND
 *   a known token                                         → never refused by the failed-auth limit below
 *   no / malformed Authorization header                   → 401 UNAUTHORIZED (not counted as a failure)
 *   unknown token                                         → 401 UNAUTHORIZED, counted against the client address
 *   `maxFailures` unknown tokens within `windowMs`        → 429 RATE_LIMITED for `blockMs`, except for known tokens
 *   no token configured at all (loopback-only API)        → every caller is `anonymous` with admin rights, but only
 *                                                           when the Host header names a loopback address (a web
 *                                                           page rebinding its DNS name to 127.0.0.1 gets 403)
 *
 * Tokens are compared as SHA-256 digests with `timingSafeEqual`, against every configured token each time, so
 * neither the time taken nor the token lengths tell an attacker anything. The API names a caller by a label
 * (`admin`, `read-only-0` for server.read_only_tokens[0]…), never by its token. The tokens can be replaced while
 * running (`TokenAuthority.replace`): the next request is judged by the new ones.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FailedAuthLimiter } from './auth-limiter.js';
import { isLoopbackListenAddress, type ServerConfig } from '../config/index.js';
import { SyncError } from '../errors/index.js';
import { bearerChallenge } from './errors.js';

export interface Caller {
  /** `admin`, `read-only-<index>`, or `anonymous` when the API is open. */
  readonly label: string;
  readonly canWrite: boolean;
}

interface Credential {
  readonly digest: Buffer;
  readonly caller: Caller;
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The tokens of server.auth_token and server.read_only_tokens. */
export type ApiTokens = Pick<ServerConfig, 'authToken' | 'readOnlyTokens'>;

function credentialsOf(tokens: ApiTokens): readonly Credential[] {
  const credentials: Credential[] = [];
  if (tokens.authToken !== undefined && tokens.authToken.length > 0) {
    credentials.push({ digest: digestOf(tokens.authToken), caller: { label: 'admin', canWrite: true } });
  }
  tokens.readOnlyTokens.forEach((token, index) => {
    credentials.push({ digest: digestOf(token), caller: { label: `read-only-${index}`, canWrite: false } });
  });
  return credentials;
}

/** The configured tokens, as digests; replaced as a whole when the configuration changes. */
export class TokenAuthority {
  #credentials: readonly Credential[];
  readonly #replaceListeners = new Set<() => void>();

  constructor(tokens: ApiTokens) {
    this.#credentials = credentialsOf(tokens);
  }

  /** Puts new tokens in effect for every request from now on, and tells whoever watches open connections. */
  replace(tokens: ApiTokens): void {
    this.#credentials = credentialsOf(tokens);
    for (const listener of [...this.#replaceListeners]) listener();
  }

  /** Calls `listener` after each replacement of the tokens; returns what stops it. */
  onReplace(listener: () => void): () => void {
    this.#replaceListeners.add(listener);
    return () => this.#replaceListeners.delete(listener);
  }

  /** True when no token is configured: the API is open (allowed on loopback only; see config cross-checks). */
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

/** Who may call a route; routes declare it in their `config.access`, and a route that declares none is admin. */
export type RouteAccess = 'public' | 'read' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (auth.ts); absent means admin. */
    access?: RouteAccess;
  }
}

const anonymous: Caller = { label: 'anonymous', canWrite: true };

/** The token of an `Authorization: Bearer <token>` header, else null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1] ?? null;
}

/** The access a request needs, from the route the router matched (404: a known token, then not found). */
function accessOf(request: FastifyRequest): RouteAccess {
  if (request.is404) return 'read';
  return request.routeOptions.config.access ?? 'admin';
}

/**
 * Whether the Host header names this machine's loopback interface (the only way an open API is reached): its
 * name without the port, judged as the listening address is.
 */
export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false;
  const name = /^(\[[^\]]+\])(?::\d+)?$/.exec(hostHeader)?.[1] ?? hostHeader.replace(/:\d+$/, '');
  return isLoopbackListenAddress(name);
}

function rateLimited(blockedForMs: number): SyncError {
  const retryAfterSeconds = Math.ceil(blockedForMs / 1000);
  return new SyncError(
    'RATE_LIMITED',
    `too many wrong tokens from this address; retry in ${retryAfterSeconds} s`,
    {
      details: { retryAfterSeconds },
    },
  );
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
    const access = accessOf(request);
    const header = request.headers.authorization;
    if (access === 'public' && header === undefined) return;
    const caller = this.#authority.open ? this.#openCaller(request) : this.#identify(request, reply, header);
    if (access === 'admin' && !caller.canWrite) {
      throw new SyncError(
        'FORBIDDEN',
        `the token ${caller.label} is read-only; this request needs the admin token`,
      );
    }
    this.#callers.set(request, caller);
  };

  /** The caller of a request the hook authenticated; UNAUTHORIZED (401) when it did not, never a server error. */
  callerOf(request: FastifyRequest): Caller {
    const caller = this.#callers.get(request);
    if (caller === undefined) {
      throw new SyncError('UNAUTHORIZED', 'this request needs an Authorization: Bearer <token> header');
    }
    return caller;
  }

  /**
   * For a connection that outlives its request (the event stream): calls `revoked` once when a replacement of the
   * tokens takes away the access the request was given (its token removed, or tokens configured where the API
   * was open). Returns what stops watching; call it when the connection closes.
   */
  watchAccess(request: FastifyRequest, revoked: () => void): () => void {
    const token = bearerToken(request.headers.authorization);
    const admittedOpen = this.#authority.open;
    const stop = this.#authority.onReplace(() => {
      const stillAllowed = admittedOpen
        ? this.#authority.open
        : token !== null && this.#authority.identify(token) !== null;
      if (stillAllowed) return;
      stop();
      revoked();
    });
    return stop;
  }

  /** The caller of a request that may come without a token (GET /health), else null. */
  optionalCallerOf(request: FastifyRequest): Caller | null {
    return this.#callers.get(request) ?? null;
  }

  #openCaller(request: FastifyRequest): Caller {
    if (!isLoopbackHost(request.headers.host)) {
      throw new SyncError(
        'FORBIDDEN',
        'no API token is configured, so the API answers only requests addressed to a loopback host (localhost, 127.0.0.1, [::1]); set server.auth_token to reach it by another name',
      );
    }
    return anonymous;
  }

  #identify(request: FastifyRequest, reply: FastifyReply, header: string | undefined): Caller {
    const token = bearerToken(header);
    // A known token is never refused by the limit: only requests without one are.
    const caller = token === null ? null : this.#authority.identify(token);
    if (caller !== null) return caller;
    const blockedForMs = this.#limiter.blockedForMs(request.ip);
    if (blockedForMs > 0) throw rateLimited(blockedForMs);
    if (token === null) {
      throw new SyncError('UNAUTHORIZED', 'this request needs an Authorization: Bearer <token> header');
    }
    const blocked = this.#limiter.recordFailure(request.ip);
    request.log.warn({ clientAddress: request.ip, blocked }, 'refused an unknown API token');
    reply.header('www-authenticate', `${bearerChallenge}, error="invalid_token"`);
    throw new SyncError('UNAUTHORIZED', 'the bearer token is not one the service knows');
  }
}
