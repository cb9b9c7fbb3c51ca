import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/site/builds-setup.ts'],
    // Reports and the site count days in the machine's zone: tests run in UTC wherever the machine is (tests of other zones name them).
    env: { TZ: 'UTC' },
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
