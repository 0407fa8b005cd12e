import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../model/index.js';
import { OwnWrites } from './own-writes.js';
import { RowClaims } from './row-claims.js';

const at = (offset: number, file = 'binlog.000001'): BinlogPosition => new BinlogPosition(file, offset);

describe('OwnWrites', () => {
  it("supersedes a side's changes of a row at or before the fence, not after it, nor other rows or sides", () => {
    const ownWrites = new OwnWrites();
    ownWrites.record('local', 'items', ['n1', 'n2'], at(500));
    expect(ownWrites.supersedes('local', 'items', 'n1', at(400))).toBe(true);
    expect(ownWrites.supersedes('local', 'items', 'n1', at(500))).toBe(true);
    expect(ownWrites.supersedes('local', 'items', 'n1', at(501))).toBe(false);
    expect(ownWrites.supersedes('local', 'items', 'n1', at(4, 'binlog.000002'))).toBe(false);
    expect(ownWrites.supersedes('local', 'items', 'n3', at(400))).toBe(false);
    expect(ownWrites.supersedes('local', 'other', 'n1', at(400))).toBe(false);
    expect(ownWrites.supersedes('cloud', 'items', 'n1', at(400))).toBe(false);
  });

  it('keeps the latest fence of a row, and forgets fences once the reading direction applied past them', () => {
    const ownWrites = new OwnWrites();
    ownWrites.record('cloud', 'items', ['n1'], at(900));
    ownWrites.record('cloud', 'items', ['n1'], at(300));
    ownWrites.record('cloud', 'items', ['n2'], at(300));
    expect(ownWrites.supersedes('cloud', 'items', 'n1', at(800))).toBe(true);
    ownWrites.forgetThrough('cloud', at(500));
    expect(ownWrites.size).toBe(1);
    expect(ownWrites.supersedes('cloud', 'items', 'n2', at(200))).toBe(false);
    expect(ownWrites.supersedes('cloud', 'items', 'n1', at(800))).toBe(true);
  });
});

describe('RowClaims', () => {
  it('makes a request for a held row wait until it is released, and grants rows nobody holds at once', async () => {
    const claims = new RowClaims();
    const releaseFirst = await claims.claim([{ table: 'items', keyText: 'n1' }]);
    let secondGranted = false;
    const second = claims.claim([{ table: 'items', keyText: 'n1' }]).then((release) => {
      secondGranted = true;
      return release;
    });
    const releaseOther = await claims.claim([{ table: 'items', keyText: 'n2' }]);
    await Promise.resolve();
    expect(secondGranted).toBe(false);
    releaseFirst();
    const releaseSecond = await second;
    expect(secondGranted).toBe(true);
    releaseSecond();
    releaseOther();
    releaseOther();
    expect(claims.heldCount).toBe(0);
  });

  it('grants overlapping requests one at a time in arrival order, whatever the order of their rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 12,
        }),
        async (requests) => {
          const claims = new RowClaims();
          const holders = new Map<number, number>();
          const grantOrder: number[] = [];
          await Promise.all(
            requests.map(async (keys, index) => {
              const release = await claims.claim(keys.map((key) => ({ table: 'items', keyText: `n${key}` })));
              for (const key of keys) {
                expect(holders.get(key), `row ${key} held twice`).toBeUndefined();
                holders.set(key, index);
              }
              grantOrder.push(index);
              await new Promise((resolve) => setTimeout(resolve, 0));
              for (const key of keys) holders.delete(key);
              release();
            }),
          );
          expect(claims.heldCount).toBe(0);
          // Two requests sharing a row are granted in the order they were made.
          for (const [later, laterKeys] of requests.entries()) {
            for (const [earlier, earlierKeys] of requests.slice(0, later).entries()) {
              if (earlierKeys.some((key) => laterKeys.includes(key))) {
                expect(grantOrder.indexOf(earlier)).toBeLessThan(grantOrder.indexOf(later));
              }
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
