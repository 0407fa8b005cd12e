import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { FaultProxy } from '../../test/support/fault-proxy.js';
import { parseServerUrl } from '../../test/support/server-url.js';
import { openStateStore } from './open-state-store.js';

function capturingLogger(): { logger: pino.Logger; messages: () => string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return {
    logger,
    messages: () => lines.map((line) => String((JSON.parse(line) as { msg?: unknown }).msg)),
  };
}

describe('state store availability', () => {
  it('reports an outage as STATE_STORE_UNAVAILABLE, logs it once when it begins and once when it ends', async () => {
    const server = parseServerUrl(inject('stateServerUrl'));
    const database = `availability_${randomBytes(4).toString('hex')}`;
    await using proxy = await FaultProxy.start(server);
    const { logger, messages } = capturingLogger();
    const store = await openStateStore(
      { type: 'mysql', ...server, host: proxy.host, port: proxy.port, database },
      { logger },
    );
    try {
      await store.saveCheckpoints([]);
      expect(store.availability).toEqual({ available: true, unavailableSince: null, error: null });

      proxy.down();
      const failures = await Promise.allSettled([
        store.listTableStates(),
        store.loadCheckpoints('local'),
        store.ping(),
      ]);
      for (const failure of failures) {
        expect(failure).toMatchObject({ status: 'rejected', reason: { code: 'STATE_STORE_UNAVAILABLE' } });
      }
      expect(await store.checkAvailability()).toMatchObject({
        available: false,
        unavailableSince: expect.any(Date) as Date,
        error: { code: 'STATE_STORE_UNAVAILABLE', message: expect.stringMatching(/unavailable/) as string },
      });

      proxy.heal();
      expect(await store.checkAvailability()).toEqual({
        available: true,
        unavailableSince: null,
        error: null,
      });
      expect(await store.listTableStates()).toEqual([]);
      const outageMessages = messages().filter((message) => message.startsWith('state store'));
      expect(outageMessages).toHaveLength(2);
      expect(outageMessages[0]).toMatch(/^state store unavailable: syncing goes on/);
      expect(outageMessages[1]).toBe('state store available again');
    } finally {
      await store.close();
      const admin = await mysql.createConnection(server);
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    }
  });
});
