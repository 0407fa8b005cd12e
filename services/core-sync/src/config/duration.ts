/**
 * Durations in the configuration: `500ms`, `30s`, `5m`, `1h`, or a plain number of milliseconds.
 * Parsed once at load time into milliseconds, which is what every consumer works with.
 */

const millisecondsPerUnit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

export type DurationUnit = keyof typeof millisecondsPerUnit;

/** Longest delay Node's timers accept (2^31 - 1 ms, about 24.8 days); longer ones would fire at once. */
export const maximumDurationMs = 2_147_483_647;

const durationPattern = /^(\d+)\s*(ms|s|m|h)?$/;

/** Milliseconds for a duration text or number, or `undefined` when it is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = durationPattern.exec(value.trim());
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 'ms') as DurationUnit;
  const milliseconds = amount * millisecondsPerUnit[unit];
  return Number.isSafeInteger(milliseconds) ? milliseconds : undefined;
}

/** The shortest exact text for a number of milliseconds: 1800000 → `30m`, 1500 → `1500ms`. */
export function formatDuration(milliseconds: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const unitMilliseconds = millisecondsPerUnit[unit];
    if (milliseconds !== 0 && milliseconds % unitMilliseconds === 0) {
      return `${milliseconds / unitMilliseconds}${unit}`;
    }
  }
  return `${milliseconds}ms`;
}
