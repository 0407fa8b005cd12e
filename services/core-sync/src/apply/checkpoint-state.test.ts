import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../model/index.js';
import { CheckpointState } from './checkpoint-state.js';
import { partitionSlot, snapshotSlot, tableSlot, watermarkSlot } from '../target/index.js';
import { partitionFor } from './partitioner.js';

const at = (offset: number): BinlogPosition => new BinlogPosition('binlog.000002', offset);

describe('CheckpointState', () => {
  it('skips a table’s changes up to the latest of its workers’ slots or its snapshot, whichever is later', () => {
    const state = new CheckpointState([
      { slot: watermarkSlot, position: at(100) },
      { slot: snapshotSlot('orders'), position: at(150) },
      { slot: tableSlot('orders', 0), position: at(250) },
      { slot: tableSlot('orders', 3), position: at(400) },
      { slot: tableSlot('users', 1), position: at(120) },
      { slot: snapshotSlot('users'), position: at(300) },
    ]);
    expect(state.watermark).toEqual(at(100));
    expect(state.skipFloor('orders', 'n1')).toEqual(at(400));
    expect(state.skipFloor('users', 'n1')).toEqual(at(300));
    expect(state.skipFloor('other', 'n1')).toBeUndefined();
    expect(state.highestFloor).toEqual(at(400));
    expect(state.hasCheckpointFor('orders')).toBe(true);
    expect(state.hasCheckpointFor('other')).toBe(false);
  });

  it('after an upgrade, still skips what the key partitions of an earlier release had applied', () => {
    const keyAhead = Array.from({ length: 50 }, (_, index) => `n${index}`).find(
      (keyText) => partitionFor('orders', keyText, 4) === 2,
    );
    const keyBehind = Array.from({ length: 50 }, (_, index) => `n${index}`).find(
      (keyText) => partitionFor('orders', keyText, 4) === 0,
    );
    expect(keyAhead).toBeDefined();
    expect(keyBehind).toBeDefined();
    const legacy = new CheckpointState([
      { slot: partitionSlot(4, 2, 'orders'), position: at(900) },
      { slot: partitionSlot(4, 0, 'orders'), position: at(200) },
    ]);
    expect(legacy.skipFloor('orders', keyAhead!)).toEqual(at(900));
    expect(legacy.skipFloor('orders', keyBehind!)).toEqual(at(200));
    // Once the new release wrote the table slot, the later of the two counts.
    const upgraded = new CheckpointState([
      { slot: partitionSlot(4, 2, 'orders'), position: at(900) },
      { slot: partitionSlot(4, 0, 'orders'), position: at(200) },
      { slot: tableSlot('orders', 2), position: at(500) },
    ]);
    expect(upgraded.skipFloor('orders', keyAhead!)).toEqual(at(900));
    expect(upgraded.skipFloor('orders', keyBehind!)).toEqual(at(500));
  });
});
