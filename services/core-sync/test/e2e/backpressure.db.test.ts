import { describe, expect, it } from 'vitest';
import { createSyncFixture, eventually, expectTablesEqual } from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const queueCapacity = 100;
const transactionCount = 1_000;
const rowsPerTransaction = 50;

describe('bounded change queue end to end', () => {
  it('pauses and resumes the binlog reader under a burst far larger than the queue, losing nothing', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'burst');
    await fixture.source.query(`
      CREATE TABLE burst (id INT PRIMARY KEY, wave INT NOT NULL, label VARCHAR(40) NOT NULL, amount DECIMAL(10,2));
      INSERT INTO burst VALUES (0, 0, 'before the burst', 0);
      CREATE PROCEDURE write_burst()
      BEGIN
        DECLARE wave INT DEFAULT 0;
        WHILE wave < ${transactionCount} DO
          INSERT INTO burst
            WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < ${rowsPerTransaction})
            SELECT wave * ${rowsPerTransaction} + n, wave, CONCAT('row ', n, ' of wave ', wave), n / 4 FROM numbers;
          SET wave = wave + 1;
        END WHILE;
      END;
    `);
    const running = await fixture.startService(
      fixture.configDocument({
        tables: [{ name: 'burst', primary_key: 'id' }],
        sync: { queue_capacity: queueCapacity, workers: 2, batch_insert_size: 25 },
      }),
    );
    await expectTablesEqual(fixture, 'burst', 'id');

    // 50,000 inserts in 1,000 transactions (autocommit inside the procedure).
    await fixture.source.query('CALL write_burst()');
    await eventually(() => expectTablesEqual(fixture, 'burst', 'id'), 60_000);
    const afterInserts = running.service.status.directions[0]?.backpressure;
    expect(afterInserts?.queueCapacity).toBe(queueCapacity);
    // Paused more than once means it was resumed in between.
    expect(afterInserts?.pauseCount).toBeGreaterThan(1);
    // Reading stops after the transaction that fills the queue: never more than capacity + one transaction.
    expect(afterInserts?.peakQueueDepth).toBeGreaterThanOrEqual(queueCapacity);
    expect(afterInserts?.peakQueueDepth).toBeLessThan(queueCapacity + rowsPerTransaction);

    // Single transactions larger than the queue (5,000 updates, about 7,100 deletes) are queued whole, then read on.
    await fixture.source.query(`
      UPDATE burst SET amount = amount * 2, label = CONCAT(label, ' updated') WHERE id % 10 = 0;
      DELETE FROM burst WHERE id % 7 = 3;
      INSERT INTO burst VALUES (1000000, -1, 'after the burst', NULL);
    `);
    await eventually(() => expectTablesEqual(fixture, 'burst', 'id'), 60_000);
    const [direction] = running.service.status.directions;
    expect(direction).toMatchObject({
      state: 'streaming',
      queueDepth: 0,
      backpressure: { sourcePaused: false },
      tables: [{ table: 'burst', state: 'streaming', pause: null }],
    });
    expect(direction?.backpressure?.pauseCount).toBeGreaterThan(afterInserts?.pauseCount ?? 0);
  });
});
