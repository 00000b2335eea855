import { defineConfig } from 'vitest/config';

// `npm run test:image`: the built Airbyte image against the emulator (needs a Docker daemon; not part of `npm test`).
export default defineConfig({
  test: {
    include: ['spec/image/**/*.image.ts'],
    // Each `docker run` starts a container: tens of seconds on a loaded machine with vfs storage.
    testTimeout: 240_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Builds the image once, or ends the run with one line when no Docker daemon answers.
    globalSetup: ['./spec/image/build-image.ts'],
  },
});
