/**
 * The server pairs the product is tested on: MariaDB (Debian's) and Oracle MySQL (from the chroot
 * `.ci/oracle-mysql` makes), each as source and as target. The Oracle MySQL servers are skipped only when
 * MYSQL_SYNC_SKIP_ORACLE_MYSQL=1 says so, and the run prints that it skipped them.
 */
import { inject } from 'vitest';
import { testServerUrl } from '../support/test-servers.js';

export type Flavor = 'mariadb' | 'mysql';

export interface ServerPair {
  readonly label: string;
  readonly sourceFlavor: Flavor;
  readonly targetFlavor: Flavor;
  readonly sourceUrl: string;
  readonly targetUrl: string;
}

/** Why the Oracle MySQL tests do not run, or an empty string when they do. */
export const oracleMysqlSkipped = inject('oracleMysqlSkipped');

function urlsOf(flavor: Flavor): [string, string] {
  return flavor === 'mysql'
    ? [testServerUrl('mysqlLocal'), testServerUrl('mysqlCloud')]
    : [testServerUrl('local'), testServerUrl('cloud')];
}

/** A source on `sourceFlavor` and a target on `targetFlavor` (distinct servers). */
export function serverPair(sourceFlavor: Flavor, targetFlavor: Flavor): ServerPair {
  const sourceUrl = urlsOf(sourceFlavor)[0];
  const targetUrl = urlsOf(targetFlavor)[1];
  return { label: `${sourceFlavor} to ${targetFlavor}`, sourceFlavor, targetFlavor, sourceUrl, targetUrl };
}

/** Every one-way pair: MySQL → MySQL, MySQL → MariaDB, MariaDB → MySQL and MariaDB → MariaDB. */
export const oneWayPairs: readonly ServerPair[] = (['mysql', 'mariadb'] as const).flatMap((sourceFlavor) =>
  (['mysql', 'mariadb'] as const).map((targetFlavor) => serverPair(sourceFlavor, targetFlavor)),
);

/** True when the pair needs Oracle MySQL and its tests are skipped. */
export function skipped(pair: ServerPair): boolean {
  return oracleMysqlSkipped !== '' && (pair.sourceFlavor === 'mysql' || pair.targetFlavor === 'mysql');
}
