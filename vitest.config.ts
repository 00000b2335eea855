import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One real redis-server for the whole run (the shared-store specs).
    globalSetup: ['./spec/helpers/redis-global-setup.ts'],
    reporters: ['default', './spec/helpers/summary-reporter.ts'],
  },
});
