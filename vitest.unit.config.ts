import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:unit`: the specs that need neither a browser nor Redis, so no chromium and no redis-server
 * (the full config's Redis global setup is not run).
 */
export default defineConfig({
  test: {
    ...base.test,
    globalSetup: [],
    exclude: [...configDefaults.exclude, 'spec/stores/**', 'spec/console/*browser*'],
  },
});
