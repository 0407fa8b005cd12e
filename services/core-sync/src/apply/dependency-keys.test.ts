import { describe, expect, it } from 'vitest';
import type { ColumnSchema, RowChange, Row, TableSchema } from '../model/index.js';
import { CollationFolds, type StringFold } from './collation-folds.js';
import { DependencyKeys } from './dependency-keys.js';

/** A stand-in for a learned `_ci` PAD SPACE fold: upper case, trailing spaces cut. */
const caseInsensitive: StringFold = {
  collation: 'test_ci',
  coarseReason: null,
  foldInto: (sink, text, prefixLength) => {
    const characters = [...text].slice(0, prefixLength ?? undefined);
    for (const character of characters.join('').trimEnd().toUpperCase())
      sink.add(character.codePointAt(0) ?? 0);
  },
};

function column(name: string, dataType: string, options: Partial<ColumnSchema> = {}): ColumnSchema {
  return {
    name,
    ordinal: 1,
    dataType,
    columnType: dataType,
    nullable: true,
    generated: false,
    autoUpdatedTimestamp: false,
    collation: dataType === 'varchar' ? 'test_ci' : null,
    ...options,
  };
}

function table(name: string, columns: ColumnSchema[], rest: Partial<TableSchema> = {}): TableSchema {
  return { database: 'app', name, columns, primaryKey: ['id'], uniqueKeys: [], foreignKeys: [], ...rest };
}

const users = table(
  'users',
  [
    column('id', 'bigint'),
    column('email', 'varchar'),
    column('tenant', 'int'),
    column('handle', 'varchar'),
    column('nickname', 'varchar'),
    column('avatar', 'varbinary', { collation: null }),
  ],
  {
    uniqueKeys: [
      { name: 'email', columns: [{ name: 'email', prefixLength: null }] },
      {
        name: 'tenant_handle',
        columns: [
          { name: 'tenant', prefixLength: null },
          { name: 'handle', prefixLength: null },
        ],
      },
      { name: 'nickname_prefix', columns: [{ name: 'nickname', prefixLength: 3 }] },
      { name: 'avatar_prefix', columns: [{ name: 'avatar', prefixLength: 2 }] },
    ],
  },
);

const orders = table(
  'orders',
  [column('id', 'int'), column('user_id', 'int'), column('user_email', 'varchar')],
  {
    foreignKeys: [
      {
        name: 'orders_user',
        columns: ['user_id'],
        referencedTable: 'users',
        referencedColumns: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'RESTRICT',
      },
      {
        name: 'orders_user_email',
        columns: ['user_email'],
        referencedTable: 'users',
        referencedColumns: ['email'],
        onDelete: 'RESTRICT',
        onUpdate: 'RESTRICT',
      },
    ],
  },
);

/** Composite primary key referenced with its columns in the other order. */
const lines = table(
  'lines',
  [column('order_id', 'int'), column('number', 'int'), column('note', 'varchar')],
  {
    primaryKey: ['order_id', 'number'],
  },
);
const lineNotes = table(
  'line_notes',
  [column('id', 'int'), column('line_number', 'int'), column('line_order', 'int')],
  {
    foreignKeys: [
      {
        name: 'notes_line',
        columns: ['line_number', 'line_order'],
        referencedTable: 'lines',
        referencedColumns: ['number', 'order_id'],
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
  },
);
const settings = table('settings', [column('id', 'int'), column('value', 'varchar')]);
const profiles = table(
  'profiles',
  [column('id', 'int'), column('email_lower', 'varchar', { generated: true })],
  {
    uniqueKeys: [{ name: 'email_lower', columns: [{ name: 'email_lower', prefixLength: null }] }],
  },
);

const dependencyKeys = new DependencyKeys(
  [users, orders, lines, lineNotes, settings, profiles],
  new CollationFolds([caseInsensitive]),
);

const insert = (tableName: string, after: Row): RowChange => ({
  kind: 'insert',
  table: tableName,
  before: null,
  after,
});
const remove = (tableName: string, before: Row): RowChange => ({
  kind: 'delete',
  table: tableName,
  before,
  after: null,
});
const update = (tableName: string, before: Row, after: Row): RowChange => ({
  kind: 'update',
  table: tableName,
  before,
  after,
});

function keysOf(change: RowChange, keys: DependencyKeys = dependencyKeys): string[] {
  const out: string[] = [];
  keys.keysOf(change, out);
  return out;
}

function shared(left: RowChange, right: RowChange): string[] {
  const rightKeys = new Set(keysOf(right));
  return keysOf(left).filter((key) => rightKeys.has(key));
}

const user = (fields: Row = {}): Row => ({
  id: 1,
  email: 'ann@example.com',
  tenant: 1,
  handle: 'ann',
  nickname: 'annie',
  avatar: Buffer.from([1, 2, 3]),
  ...fields,
});

describe('DependencyKeys.keysOf', () => {
  it('keys a row by its primary key: equal ids meet, other ids do not', () => {
    const setting = (id: number, value: string) => insert('settings', { id, value });
    expect(keysOf(setting(1, 'a'))).toHaveLength(1);
    expect(keysOf(setting(1, 'a'))[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(shared(setting(1, 'a'), setting(1, 'b'))).toHaveLength(1);
    expect(shared(setting(1, 'a'), setting(2, 'a'))).toEqual([]);
  });

  it('keys composite primary keys by all their columns, in their positions', () => {
    const line = (orderId: number, number: number) =>
      insert('lines', { order_id: orderId, number, note: null });
    expect(shared(line(1, 2), line(1, 2))).toHaveLength(1);
    expect(shared(line(1, 2), line(2, 1))).toEqual([]);
    expect(shared(line(1, 2), line(1, 3))).toEqual([]);
  });

  it('keys unique keys under the collation: other case and trailing spaces meet', () => {
    const first = insert('users', user());
    expect(
      shared(
        first,
        insert(
          'users',
          user({ id: 2, email: 'ANN@example.com  ', handle: 'x', nickname: 'zed', avatar: null }),
        ),
      ),
    ).toHaveLength(1);
    expect(
      shared(
        first,
        insert('users', user({ id: 2, tenant: 1, handle: 'ANN', email: 'b', nickname: 'zed', avatar: null })),
      ),
    ).toHaveLength(1);
    expect(
      shared(
        first,
        insert('users', user({ id: 2, tenant: 2, handle: 'ann', email: 'b', nickname: 'zed', avatar: null })),
      ),
    ).toEqual([]);
  });

  it('keys prefix unique keys by the prefix only: characters for text, bytes for binary', () => {
    const other = { id: 2, email: 'b', handle: 'b' };
    const first = insert('users', user({ avatar: null }));
    expect(
      shared(first, insert('users', user({ ...other, nickname: 'ANNabel', avatar: null }))),
    ).toHaveLength(1);
    expect(shared(first, insert('users', user({ ...other, nickname: 'anx', avatar: null })))).toEqual([]);
    const withAvatar = (id: number, bytes: number[]) =>
      insert('users', {
        id,
        email: `e${id}`,
        tenant: 1,
        handle: `h${id}`,
        nickname: `n${id}`,
        avatar: Buffer.from(bytes),
      });
    expect(shared(withAvatar(3, [1, 2, 9]), withAvatar(4, [1, 2, 7, 7]))).toHaveLength(1);
    expect(shared(withAvatar(3, [1, 2, 9]), withAvatar(4, [1, 3]))).toEqual([]);
  });

  it('skips a unique key with a NULL part', () => {
    const withNulls = user({ email: null, handle: null, nickname: null, avatar: null });
    expect(keysOf(insert('users', withNulls))).toHaveLength(1);
    expect(shared(insert('users', withNulls), remove('users', user()))).toHaveLength(1);
    expect(shared(insert('users', withNulls), insert('users', { ...withNulls, id: 2 }))).toEqual([]);
  });

  it('keys a generated column by no value: every row of such a key meets (its value is not trusted)', () => {
    const first = insert('profiles', { id: 1, email_lower: 'x' });
    const second = insert('profiles', { id: 2, email_lower: 'y' });
    expect(shared(first, second)).toHaveLength(1);
    expect(shared(first, insert('profiles', { id: 2, email_lower: null }))).toEqual([]);
  });

  it('keys an update by its before and its after image', () => {
    const before = user();
    const after = user({ id: 5, email: 'new@example.com' });
    const change = update('users', before, after);
    const keys = keysOf(change);
    expect(
      shared(
        change,
        insert('users', user({ tenant: 9, handle: 'x', nickname: 'x', avatar: null, email: 'y' })),
      ),
    ).toHaveLength(1); // old id
    expect(
      shared(
        change,
        remove('users', user({ id: 5, tenant: 9, handle: 'x', nickname: 'x', avatar: null, email: 'y' })),
      ),
    ).toHaveLength(1); // new id
    expect(
      shared(
        change,
        insert(
          'users',
          user({ id: 7, tenant: 9, handle: 'x', nickname: 'x', avatar: null, email: 'NEW@example.com' }),
        ),
      ),
    ).toHaveLength(1); // new email
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("meets the parent's primary key from the child's foreign key, whatever the numeric type", () => {
    const order = insert('orders', { id: 10, user_id: 1, user_email: null });
    const parent = remove('users', user({ id: '1' }));
    expect(shared(order, parent)).toHaveLength(1);
    expect(
      shared(order, remove('users', user({ id: 2, email: 'b', handle: 'b', nickname: 'bob', avatar: null }))),
    ).toEqual([]);
    const bigParent = insert('settings', { id: 1, value: null });
    expect(shared(order, bigParent)).toEqual([]);
  });

  it("meets the parent's unique key from a foreign key to it, under the parent's collation", () => {
    const order = insert('orders', { id: 10, user_id: null, user_email: 'Ann@Example.com ' });
    expect(shared(order, update('users', user(), user({ email: 'other' })))).toHaveLength(1);
    expect(
      shared(order, insert('orders', { id: 11, user_id: null, user_email: 'ANN@EXAMPLE.COM' })),
    ).toHaveLength(1);
  });

  it('meets a composite primary key from a foreign key listing its columns in another order', () => {
    const note = insert('line_notes', { id: 1, line_number: 2, line_order: 1 });
    expect(shared(note, remove('lines', { order_id: 1, number: 2, note: 'x' }))).toHaveLength(1);
    expect(shared(note, remove('lines', { order_id: 2, number: 1, note: 'x' }))).toEqual([]);
  });

  it('gives big integers as text the same key as the same number', () => {
    const big = '18446744073709551615';
    expect(
      shared(insert('users', user({ id: big })), remove('orders', { id: 1, user_id: big, user_email: null })),
    ).toHaveLength(1);
    expect(
      shared(insert('settings', { id: 7, value: 'a' }), insert('settings', { id: '7', value: 'b' })),
    ).toHaveLength(1);
  });

  it('knows which tables take part in foreign keys', () => {
    expect(
      ['users', 'orders', 'lines', 'line_notes', 'settings'].map((name) =>
        dependencyKeys.hasForeignKeys(name),
      ),
    ).toEqual([true, true, true, true, false]);
  });

  it('keys a table that is not loaded, or has a functional unique key, as a whole', () => {
    expect(shared(insert('unknown', { id: 1 }), insert('unknown', { id: 2 }))).toHaveLength(1);
    const functional = table('tags', [column('id', 'int'), column('label', 'varchar')], {
      uniqueKeys: [{ name: 'lower_label', columns: [] }],
    });
    const keys = dependencyKeys.withTable(functional);
    const tagKeys = (id: number) => keysOf(insert('tags', { id, label: `t${id}` }), keys);
    expect(tagKeys(1).filter((key) => tagKeys(2).includes(key))).toHaveLength(1);
  });

  it('falls back to one key per column for a collation it has not loaded (after a DDL)', () => {
    const changed = table(
      'settings',
      [column('id', 'int'), column('value', 'varchar', { collation: 'new_ci' })],
      {
        uniqueKeys: [{ name: 'value', columns: [{ name: 'value', prefixLength: null }] }],
      },
    );
    const keys = dependencyKeys.withTable(changed);
    const settingKeys = (id: number, value: string) => keysOf(insert('settings', { id, value }), keys);
    expect(settingKeys(1, 'a').filter((key) => settingKeys(2, 'zzz').includes(key))).toHaveLength(1);
    expect(keysOf(insert('users', user()), keys)).toEqual(keysOf(insert('users', user())));
  });
});
