/**
 * The database servers of the browser tests: one MariaDB pair from core-sync's test harness (its e2e files run
 * one at a time, and need no Oracle MySQL), provided as `testServerSets` (read by dashboard-stack.ts
 * `dashboardServer`).
 */
import type { TestProject } from 'vitest/node';
import { startTestServers } from '../../../core-sync/test/support/global-setup.js';

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startTestServers(project, { sets: 1, oracleMysql: false });
}
