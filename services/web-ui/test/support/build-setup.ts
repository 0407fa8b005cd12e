/**
 * Builds the dashboard once before the browser tests (into a temporary directory, so a developer's own
 * `dist/` is left alone) and hands its path to the tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    dashboardDirectory: string;
  }
}

const webUiDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'mysql-sync-web-ui-'));
  await build({
    root: webUiDirectory,
    configFile: path.join(webUiDirectory, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  project.provide('dashboardDirectory', outDir);
  return async () => {
    await rm(outDir, { recursive: true, force: true });
  };
}
