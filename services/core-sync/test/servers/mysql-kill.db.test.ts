/**
 * MySQL → MySQL under kill -9 (issue 15's matrix): the apply-order model's transactions written to an Oracle MySQL
 * source while readers lock rows of the Oracle MySQL target, the service killed with SIGKILL three times and
 * restarted each time. Nothing is lost or applied twice, and the target ends equal to the source byte for byte
 * (test/support/model-kill.ts says how that is seen).
 *
 * MYSQL_SYNC_TEST_SEED=<the seed a failure names> repeats the sequence (not the timing of the kills).
 */
import { describe, it } from 'vitest';
import { createModelFixture } from '../support/model-fixture.js';
import { expectNothingLostOrDoubledUnderKills } from '../support/model-kill.js';
import { serverPair, skipped } from './server-pairs.js';

const seed = Number(process.env.MYSQL_SYNC_TEST_SEED ?? Date.now() % 1_000_000);
const pair = serverPair('mysql', 'mysql');

describe('MySQL to MySQL under kill -9', () => {
  it.skipIf(skipped(pair))(
    'killed three times under a write load: the target ends equal to the source, nothing lost or applied twice',
    async () => {
      await using fixture = await createModelFixture('mysqlkill', pair.sourceUrl, pair.targetUrl);
      await expectNothingLostOrDoubledUnderKills(fixture, seed);
    },
    300_000,
  );
});
