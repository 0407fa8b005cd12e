import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatXid, parseXaStatement } from './xa-statement.js';

describe('parseXaStatement', () => {
  it('reads the statements as MariaDB and MySQL log them (hexadecimal xid)', () => {
    expect(parseXaStatement("XA END X'7831',X'',1")).toEqual({
      verb: 'end',
      xid: "X'7831',X'',1",
      onePhase: false,
    });
    expect(parseXaStatement("XA COMMIT X'00ff27',X'5c',0")).toEqual({
      verb: 'commit',
      xid: "X'00ff27',X'5c',0",
      onePhase: false,
    });
    expect(parseXaStatement("XA ROLLBACK X'61',X'62',7")).toEqual({
      verb: 'rollback',
      xid: "X'61',X'62',7",
      onePhase: false,
    });
    expect(parseXaStatement("XA START X'7831',X'',1")?.verb).toBe('start');
    expect(parseXaStatement("XA COMMIT X'7831',X'',1 ONE PHASE")).toEqual({
      verb: 'commit',
      xid: "X'7831',X'',1",
      onePhase: true,
    });
  });

  it('gives every spelling of one xid the same canonical text', () => {
    const canonical = "X'6162',X'',1";
    for (const spelling of [
      "'ab'",
      "'ab', ''",
      "'ab','',1",
      '0x6162',
      "x'6162'",
      '"ab"',
      "b'0110000101100010'",
    ]) {
      expect([spelling, parseXaStatement(`xa commit ${spelling}`)?.xid]).toEqual([spelling, canonical]);
    }
    expect(parseXaStatement("XA COMMIT 'a','b',7")?.xid).toBe("X'61',X'62',7");
    expect(parseXaStatement("XA COMMIT 0x616263, b'01100010', 0x10")?.xid).toBe("X'616263',X'62',16");
    // Quotes doubled or escaped, a backslash escape, and UTF-8 bytes.
    expect(parseXaStatement("XA COMMIT 'it''s'")?.xid).toBe(
      formatXid(1, Buffer.from("it's"), Buffer.alloc(0)),
    );
    expect(parseXaStatement("XA COMMIT 'it\\'s\\n'")?.xid).toBe(
      formatXid(1, Buffer.from("it's\n"), Buffer.alloc(0)),
    );
    expect(parseXaStatement("XA COMMIT 'é', 'ü', 3")?.xid).toBe(
      formatXid(3, Buffer.from('é', 'utf8'), Buffer.from('ü', 'utf8')),
    );
    expect(parseXaStatement('XA COMMIT 0x7')?.xid).toBe("X'07',X'',1");
  });

  it('reads the trailing words and leaves other statements alone', () => {
    expect(parseXaStatement("XA END 'x' SUSPEND")?.xid).toBe("X'78',X'',1");
    expect(parseXaStatement("XA COMMIT 'x'  one  phase")?.onePhase).toBe(true);
    expect(parseXaStatement('XA RECOVER')).toEqual({ verb: 'recover', xid: null, onePhase: false });
    expect(parseXaStatement('COMMIT')).toBeNull();
    expect(parseXaStatement('XACT START')).toBeNull();
    expect(parseXaStatement("INSERT INTO xa VALUES ('XA COMMIT')")).toBeNull();
    // Unreadable xids: known statement, unknown xid.
    expect(parseXaStatement("XA COMMIT X'123'")).toEqual({ verb: 'commit', xid: null, onePhase: false });
    expect(parseXaStatement("XA ROLLBACK 'unterminated")).toEqual({
      verb: 'rollback',
      xid: null,
      onePhase: false,
    });
  });

  it('matches the server spelling with a quoted spelling of any bytes (property)', () => {
    const xidBytes = fc.uint8Array({ maxLength: 64 });
    fc.assert(
      fc.property(xidBytes, xidBytes, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (gtrid, bqual, formatId) => {
        const logged = formatXid(formatId, gtrid, bqual);
        const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
        const typedHex = `XA COMMIT x'${hex(gtrid).toUpperCase()}' , X'${hex(bqual)}' , ${formatId}`;
        expect(parseXaStatement(`XA COMMIT ${logged}`)?.xid).toBe(logged);
        expect(parseXaStatement(typedHex)?.xid).toBe(logged);
      }),
    );
    const text = fc.string({ unit: 'grapheme', maxLength: 20 });
    fc.assert(
      fc.property(text, text, (gtrid, bqual) => {
        const quote = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
        expect(parseXaStatement(`XA ROLLBACK ${quote(gtrid)},${quote(bqual)}`)?.xid).toBe(
          formatXid(1, Buffer.from(gtrid, 'utf8'), Buffer.from(bqual, 'utf8')),
        );
      }),
    );
  });
});
