import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-database.js';
import type { Row, RowChange } from '../model/index.js';
import { readTableSchema } from '../mysql/index.js';
import { driverErrorCode } from '../errors/index.js';
import { DependencyKeys } from './dependency-keys.js';
import { testServerUrl } from '../../test/support/test-servers.js';

const schemaStatements = `
  CREATE TABLE accounts (
    id BIGINT UNSIGNED PRIMARY KEY,
    email VARCHAR(100) COLLATE utf8mb4_unicode_ci NULL,
    code VARCHAR(40) COLLATE utf8mb4_general_ci NULL,
    tenant INT NOT NULL,
    handle VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL,
    token VARBINARY(16) NULL,
    UNIQUE KEY email_unique (email),
    UNIQUE KEY code_prefix (code(4)),
    UNIQUE KEY tenant_handle (tenant, handle),
    UNIQUE KEY token_unique (token)
  );
  CREATE TABLE orders (
    id INT PRIMARY KEY,
    account_id BIGINT UNSIGNED NULL,
    account_email VARCHAR(100) COLLATE utf8mb4_unicode_ci NULL,
    CONSTRAINT orders_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT orders_account_email FOREIGN KEY (account_email) REFERENCES accounts (email) ON UPDATE CASCADE
  );
`;

const account = (fields: Row): Row => ({
  id: 1,
  email: 'ann@example.com',
  code: 'abcdef',
  tenant: 1,
  handle: 'ann',
  token: Buffer.from('aa', 'hex'),
  ...fields,
});
const insert = (table: string, after: Row): RowChange => ({ kind: 'insert', table, before: null, after });

describe('DependencyKeys on a real schema', () => {
  it('reads unique and foreign keys with collations, and keys rows the way the server compares them', async () => {
    await using database = await createTestDatabase(testServerUrl('local'), 'depkeys');
    await database.query(schemaStatements);
    const accounts = (await readTableSchema(database.pool, database.name, 'accounts'))!;
    const orders = (await readTableSchema(database.pool, database.name, 'orders'))!;
    expect({
      collations: accounts.columns.map((column) => [column.name, column.collation]),
      primaryKey: accounts.primaryKey,
      uniqueKeys: accounts.uniqueKeys,
    }).toEqual({
      collations: [
        ['id', null],
        ['email', 'utf8mb4_unicode_ci'],
        ['code', 'utf8mb4_general_ci'],
        ['tenant', null],
        ['handle', 'latin1_swedish_ci'],
        ['token', null],
      ],
      primaryKey: ['id'],
      uniqueKeys: [
        { name: 'code_prefix', columns: [{ name: 'code', prefixLength: 4 }] },
        { name: 'email_unique', columns: [{ name: 'email', prefixLength: null }] },
        {
          name: 'tenant_handle',
          columns: [
            { name: 'tenant', prefixLength: null },
            { name: 'handle', prefixLength: null },
          ],
        },
        { name: 'token_unique', columns: [{ name: 'token', prefixLength: null }] },
      ],
    });
    expect(orders.foreignKeys).toEqual([
      {
        name: 'orders_account',
        columns: ['account_id'],
        referencedTable: 'accounts',
        referencedColumns: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'RESTRICT',
      },
      {
        name: 'orders_account_email',
        columns: ['account_email'],
        referencedTable: 'accounts',
        referencedColumns: ['email'],
        onDelete: 'RESTRICT',
        onUpdate: 'CASCADE',
      },
    ]);
    expect(accounts.foreignKeys).toEqual([]);

    const dependencyKeys = await DependencyKeys.load(database.pool, [accounts, orders]);
    const keysOf = (change: RowChange) => {
      const out: string[] = [];
      dependencyKeys.keysOf(change, out);
      return out;
    };
    const sharedCount = (left: RowChange, right: RowChange) =>
      keysOf(left).filter((key) => keysOf(right).includes(key)).length;
    const first = insert('accounts', account({}));
    const unrelated = {
      id: 2,
      email: 'bob@example.com',
      code: 'zzzz',
      tenant: 2,
      handle: 'bob',
      token: null,
    };

    // Every pair the server refuses as a duplicate shares a key; the others share none.
    const candidates: [Row, boolean][] = [
      [account({ ...unrelated, email: 'ANN@example.com ' }), true],
      [account({ ...unrelated, email: 'ann@example.com\u3000' }), true],
      [account({ ...unrelated, code: 'ABCDxyz' }), true],
      [account({ ...unrelated, code: 'abce' }), false],
      [account({ ...unrelated, tenant: 1, handle: 'ANN  ' }), true],
      [account({ ...unrelated, token: Buffer.from('aa', 'hex') }), true],
      [account({ ...unrelated, token: Buffer.from('aa00', 'hex') }), false],
      [account({ ...unrelated }), false],
    ];
    await database.query('INSERT INTO accounts SET ?', [first.after]);
    for (const [row, duplicate] of candidates) {
      const refused = await database
        .query('INSERT INTO accounts SET ?', [row])
        .then(async () => {
          await database.query('DELETE FROM accounts WHERE id = ?', [row.id]);
          return false;
        })
        .catch((error: unknown) => driverErrorCode(error) === 'ER_DUP_ENTRY');
      expect({ row, refused, sharesKey: sharedCount(first, insert('accounts', row)) > 0 }).toEqual({
        row,
        refused: duplicate,
        sharesKey: duplicate,
      });
    }

    const order = insert('orders', { id: 10, account_id: 1, account_email: 'Ann@Example.com' });
    expect(sharedCount(order, first)).toBe(2);
    expect(sharedCount(order, insert('accounts', account(unrelated)))).toBe(0);
    expect([dependencyKeys.hasForeignKeys('accounts'), dependencyKeys.hasForeignKeys('orders')]).toEqual([
      true,
      true,
    ]);
  });
});
