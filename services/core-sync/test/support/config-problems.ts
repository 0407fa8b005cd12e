/**
 * The problems `parseConfig` reports for a document that is not valid, checked against the single CONFIG_INVALID
 * error it throws: its first line counts them, and each following line is one problem's path and message.
 */
import { expect } from 'vitest';
import { SyncError } from '../../src/errors/index.js';
import { parseConfig, type ConfigProblem } from '../../src/config/index.js';

/** The problems of the single CONFIG_INVALID error `parseConfig` throws for `document`. */
export function problemsOf(document: unknown): ConfigProblem[] {
  let thrown: unknown;
  try {
    parseConfig(document, 'test.yaml');
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SyncError);
  const error = thrown as SyncError;
  expect(error.code).toBe('CONFIG_INVALID');
  const problems = error.details?.problems as ConfigProblem[];
  const lines = error.message.split('\n');
  expect(lines[0]).toBe(
    `invalid configuration in test.yaml (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
  );
  expect(lines.slice(1)).toEqual(problems.map((problem) => `${problem.path}: ${problem.message}`));
  return problems;
}

/** The key paths of the problems `parseConfig` reports for `document`. */
export function problemPaths(document: unknown): string[] {
  return problemsOf(document).map((problem) => problem.path);
}
