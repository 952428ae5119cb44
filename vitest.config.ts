import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Removes the temp directories each file made (test/support/temp-dirs.ts).
    setupFiles: ['test/support/setup.ts'],
    // Integration tests spawn ffmpeg, redis-server and s3rver; two cores are shared by all of them.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
