/** Reconnect delays: exponential in the attempt number, capped, with jitter so sources do not retry in step. */

export interface BackoffSettings {
  /** Delay before the first retry (before jitter). */
  readonly initialDelayMs: number;
  /** No delay is ever longer than this. */
  readonly maxDelayMs: number;
}

/**
 * The delay before retry number `attempt` (1-based): `initial · 2^(attempt−1)`, capped at `maxDelayMs`, then
 * "equal jitter" — a uniformly random point in the upper half of that window, so a delay is never shorter than
 * half the exponential value and never longer than the cap. `random` returns a number in [0, 1).
 */
export function reconnectDelayMs(
  attempt: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const maxDelay = Math.max(0, settings.maxDelayMs);
  const initialDelay = Math.min(Math.max(0, settings.initialDelayMs), maxDelay);
  const exponent = Math.min(Math.max(attempt, 1) - 1, 52);
  const window = Math.min(maxDelay, initialDelay * 2 ** exponent);
  const jittered = window / 2 + random() * (window / 2);
  return Math.min(maxDelay, Math.round(jittered));
}
