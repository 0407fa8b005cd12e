import { defineConfig } from 'vitest/config';

// The packaging checks (`npm run test:deployments`): Compose files through docker-compose, Kubernetes manifests
// against the Kubernetes schemas, Dockerfile invariants, and the shipped configurations through core-sync's own
// validator. No Docker engine or cluster needed; a few seconds.
export default defineConfig({
  test: {
    name: 'deployments',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
