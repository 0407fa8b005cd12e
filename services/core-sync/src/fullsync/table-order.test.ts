import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableOrder } from './table-order.js';

/** Runs the order with `workers` concurrent takers; returns when each table started and finished (ticks). */
async function runOrder(
  tables: readonly string[],
  parents: ReadonlyMap<string, readonly string[]>,
  workers: number,
): Promise<{ started: Map<string, number>; finished: Map<string, number> }> {
  const order = new TableOrder(tables, (table) => parents.get(table) ?? []);
  const started = new Map<string, number>();
  const finished = new Map<string, number>();
  let clock = 0;
  const worker = async (): Promise<void> => {
    for (let table = await order.next(); table !== undefined; table = await order.next()) {
      started.set(table, (clock += 1));
      // Let the other workers take what they may meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 0));
      finished.set(table, (clock += 1));
      order.done(table);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return { started, finished };
}

describe("the order of a run's tables", () => {
  it('takes every table once, and a table only after its parents finished, unless they form a cycle', async () => {
    const names = ['orders', 'items', 'customers', 'notes', 'tags', 'links'];
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(names, { minLength: 1 }),
        fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names)), { maxLength: 10 }),
        fc.integer({ min: 1, max: 4 }),
        async (tables, edges, workers) => {
          const parents = new Map<string, string[]>();
          for (const [child, parent] of edges) parents.set(child, [...(parents.get(child) ?? []), parent]);
          const { started, finished } = await runOrder(tables, parents, workers);
          expect([...started.keys()].sort()).toEqual([...tables].sort());
          const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
            (parents.get(from) ?? []).some(
              (parent) =>
                tables.includes(parent) &&
                (parent === to || (!seen.has(parent) && reaches(parent, to, seen.add(parent)))),
            );
          for (const table of tables) {
            for (const parent of parents.get(table) ?? []) {
              if (parent === table || !tables.includes(parent) || reaches(parent, table)) continue;
              expect(started.get(table) ?? 0).toBeGreaterThan(finished.get(parent) ?? Infinity);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('runs tables with no link between them at once', async () => {
    const { started, finished } = await runOrder(
      ['orders', 'customers'],
      new Map([['orders', ['products']]]),
      2,
    );
    expect(started.get('customers') ?? Infinity).toBeLessThan(finished.get('orders') ?? 0);
  });
});
