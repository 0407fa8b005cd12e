/** Small numeric helpers for the benchmark reports. */

/** The nearest-rank percentile (0–100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], rank: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** The middle value of unsorted values, or the mean of the two middle ones for an even count; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const upper = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const lower = sorted[Math.ceil(sorted.length / 2) - 1] ?? Number.NaN;
  return (lower + upper) / 2;
}

export function maximum(values: readonly number[]): number {
  return values.reduce((largest, value) => Math.max(largest, value), Number.NEGATIVE_INFINITY);
}

/** `12,345` */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Seconds with two decimals. */
export function formatSeconds(milliseconds: number): string {
  return (milliseconds / 1000).toFixed(2);
}

/** Milliseconds with one decimal (or two below 10). */
export function formatMilliseconds(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return 'n/a';
  return milliseconds < 10 ? milliseconds.toFixed(2) : milliseconds.toFixed(1);
}

export function formatMebibytes(kibibytes: number): string {
  return `${(kibibytes / 1024).toFixed(0)} MB`;
}

/** Resolves after `milliseconds`. */
export async function sleep(milliseconds: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it became true. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > deadline) return false;
    await sleep(intervalMs);
  }
}
