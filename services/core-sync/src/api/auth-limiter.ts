/**
 * Counts failed authentications (unknown tokens) per client address, in bounded memory, and blocks an address
 * that fails too often. It never judges a known token: auth.ts asks it only about requests whose token is unknown
 * or missing, so a flood of wrong tokens through one proxy address cannot lock out the callers who hold real ones.
 */
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
