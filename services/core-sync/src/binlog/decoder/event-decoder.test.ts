import { describe, expect, it } from 'vitest';
import { charsetLookup } from './charsets.js';
import { EventDecoder } from './event-decoder.js';

/** A 19-byte event header (v4) for a body of `bodyLength` bytes. */
function header(type: number, bodyLength: number, nextPosition: number): Buffer {
  const bytes = Buffer.alloc(19);
  bytes.writeUInt32LE(1_796_621_169, 0);
  bytes.writeUInt8(type, 4);
  bytes.writeUInt32LE(77, 5);
  bytes.writeUInt32LE(19 + bodyLength, 9);
  bytes.writeUInt32LE(nextPosition, 13);
  return bytes;
}

const decoder = new EventDecoder({
  database: 'shop',
  tables: new Set(['items']),
  charsets: charsetLookup(new Map()),
});

describe('EventDecoder', () => {
  it('reads the GTID of a tagged GTID event as the server wrote it (MySQL 9.7, SET gtid_next = AUTOMATIC:mytag)', () => {
    // The body of a real GTID_TAGGED_LOG_EVENT, from mysqlbinlog --hexdump (checksum removed).
    const body = Buffer.from(
      '027200000002cab6800d03c503d90322c5030d02b204f103000000020404060a6d797461670800' +
        '0a040c7fdf2aa0760462061029041283120b',
      'hex',
    );
    const [event] = decoder.decode(Buffer.concat([header(42, body.length, 278), body]));
    expect(event).toEqual({
      kind: 'group-start',
      gtid: '655b40c3-f1f6-11f1-8359-02fc00000001:mytag:1',
      standalone: null,
      timestamp: 1_796_621_169_000,
    });
  });

  it('reads an untagged GTID event', () => {
    const body = Buffer.from('00655b40c3f1f611f1835902fc000000010d00000000000000', 'hex');
    const [event] = decoder.decode(Buffer.concat([header(33, body.length, 543), body]));
    expect(event).toMatchObject({ kind: 'group-start', gtid: '655b40c3-f1f6-11f1-8359-02fc00000001:13' });
  });

  it('refuses an event type it does not know, naming it', () => {
    const body = Buffer.alloc(4);
    expect(() => decoder.decode(Buffer.concat([header(171, body.length, 100), body]))).toThrow(
      /type 171 is not supported/,
    );
  });
});
