/**
 * What the fault tests (test/e2e/faults-*.db.test.ts) share: the timeout their faults outlast, the seeded random
 * moments and sizes of the faults, and counting the service's log lines.
 */
import type { ServiceProcess } from './sync-fixture.js';

/** Statements and connects give up after this long without an answer: the faults last longer. */
export const queryTimeout = '2s';
/** Repeat a run's random moments with MYSQL_SYNC_TEST_SEED=<the seed a failure names>. */
export const seed = Number(process.env.MYSQL_SYNC_TEST_SEED ?? Date.now() % 1_000_000);
let randomState = seed;
/** A number in [0, count) from a seeded sequence (the moments and sizes of the faults). */
export function randomBelow(count: number): number {
  randomState = (Math.imul(randomState, 1_103_515_245) + 12_345) >>> 0;
  return (randomState >>> 8) % count;
}

/** How many lines the service logged with exactly this message. */
export function countLines(service: ServiceProcess, message: string): number {
  return service
    .output()
    .split('\n')
    .filter((line) => line.includes(`"msg":"${message}"`)).length;
}
