/**
 * How far the V8 heap may grow past the data that survived the last full garbage collection before it collects
 * again. When a process allocates fast, as the service does (every row read from a binlog or a snapshot becomes
 * objects that die within a batch or two), V8's own policy lets the old generation reach up to about four
 * times the live data, which the catch-up and sysbench benchmarks showed as RSS several times their live set; a
 * growth factor of 1.5 kept the same runs near their live data at the same throughput (docs/BENCHMARKS.md,
 * "Notes from profiling", heap growth).
 * Unlike a hard `--max-old-space-size` cap, the heap still grows with the live data, so a large source
 * transaction held in memory does not crash the service.
 */
import v8 from 'node:v8';

/** The heap may grow to 1.5 times the live data between full collections. */
export const defaultHeapGrowingPercent = 50;

/** Sets V8's heap growing factor to 1 + percent/100 for this process (call once, at start). */
export function limitHeapGrowth(percent = defaultHeapGrowingPercent): void {
  if (!Number.isInteger(percent) || percent < 1 || percent > 300) {
    throw new RangeError(`heap growing percent must be an integer from 1 to 300, got ${percent}`);
  }
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
