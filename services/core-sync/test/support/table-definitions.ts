import { comparableDefinition } from '../../src/target/index.js';
import type { TestDatabase } from './test-database.js';

/** A table's SHOW CREATE TABLE without its auto-increment counter: what both sides of a schema change compare. */
export async function definitionOf(database: TestDatabase, table: string): Promise<string> {
  const [row] = await database.query<{ 'Create Table': string }>(`SHOW CREATE TABLE ${table}`);
  return comparableDefinition(row?.['Create Table'] ?? '');
}
