/** How numbers, durations and times read on the dashboard. */

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatCount(value: number): string {
  return integerFormat.format(value);
}

export function formatRate(rowsPerSecond: number): string {
  return `${rowsPerSecond >= 100 ? integerFormat.format(rowsPerSecond) : decimalFormat.format(rowsPerSecond)} rows/s`;
}

export function formatPercent(percent: number): string {
  return `${decimalFormat.format(Math.min(100, Math.max(0, percent)))} %`;
}

/** `1234` → `1.2 s`; `12` → `12 ms`; null → `—`. */
export function formatLag(lagMs: number | null): string {
  if (lagMs === null) return '—';
  if (lagMs < 1000) return `${integerFormat.format(lagMs)} ms`;
  return formatSeconds(lagMs / 1000);
}

/** `75` → `1 min 15 s`; `3700` → `1 h 1 min`. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${decimalFormat.format(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function durationSeconds(startedAt: string, finishedAt: string | null, now = Date.now()): number {
  const end = finishedAt === null ? now : Date.parse(finishedAt);
  return Math.max(0, (end - Date.parse(startedAt)) / 1000);
}

/** Local date and time, to the second, with the date only when it is not today. */
export function formatTime(iso: string | null, now = new Date()): string {
  if (iso === null) return '—';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const sameDay = time.toDateString() === now.toDateString();
  return sameDay
    ? time.toLocaleTimeString('en-GB')
    : `${time.toLocaleDateString('en-CA')} ${time.toLocaleTimeString('en-GB')}`;
}

/** `local_to_cloud` → `local → cloud`. */
export function formatDirection(direction: string): string {
  return direction.replace('_to_', ' → ');
}
