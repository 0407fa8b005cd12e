import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.js';

// Four kinds of tests:
// - unit: logic and components in jsdom (no network);
// - server: server/static-server.js over real HTTP (headers, the Content-Security-Policy);
// - contract: the checked-in OpenAPI copy against the document core-sync's app serves (in process);
// - e2e: the built dashboard in headless Chromium against a real core-sync over two throw-away MariaDB servers
//   (core-sync's own test harness starts them), one file at a time.
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: ['src/**/*.test.{ts,tsx}'],
            environment: 'jsdom',
          },
        },
        {
          extends: true,
          test: { name: 'contract', include: ['test/contract/**/*.test.ts'], environment: 'node' },
        },
        {
          extends: true,
          test: { name: 'server', include: ['test/server/**/*.test.ts'], environment: 'node' },
        },
        {
          extends: true,
          test: {
            name: 'e2e',
            include: ['test/e2e/**/*.test.ts'],
            environment: 'node',
            globalSetup: ['test/support/server-setup.ts', 'test/support/build-setup.ts'],
            fileParallelism: false,
            testTimeout: 240_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  }),
);
