import { describe, expect, it } from 'vitest';
import { replaceCollations } from './target-collations.js';

describe('replaceCollations', () => {
  const replacements = new Map([
    ['utf8mb4_0900_ai_ci', 'utf8mb4_uca1400_nopad_ai_ci'],
    ['utf8mb4_0900_bin', 'utf8mb4_nopad_bin'],
  ]);

  it('changes COLLATE clauses of columns and table options, never text in quotes', () => {
    const statement = [
      'CREATE TABLE `COLLATE utf8mb4_0900_ai_ci` (',
      "  `a` varchar(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin DEFAULT 'COLLATE utf8mb4_0900_bin',",
      "  `b` text COMMENT 'it''s \\\\ COLLATE=utf8mb4_0900_ai_ci',",
      '  `c` varchar(4) COLLATE utf8mb4_bin,',
      '  `xcollate` int',
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci',
    ].join('\n');
    expect(replaceCollations(statement, replacements)).toBe(
      [
        'CREATE TABLE `COLLATE utf8mb4_0900_ai_ci` (',
        "  `a` varchar(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin DEFAULT 'COLLATE utf8mb4_0900_bin',",
        "  `b` text COMMENT 'it''s \\\\ COLLATE=utf8mb4_0900_ai_ci',",
        '  `c` varchar(4) COLLATE utf8mb4_bin,',
        '  `xcollate` int',
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_nopad_ai_ci',
      ].join('\n'),
    );
  });

  it('leaves a statement alone when nothing is replaced', () => {
    const statement = 'CREATE TABLE `t` (\n  `id` int\n) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci';
    expect(replaceCollations(statement, new Map())).toBe(statement);
  });
});
