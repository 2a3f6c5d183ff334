import { defineConfig } from 'vitest/config';
import path from 'node:path';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(__dirname) } },
  test: {
    include: [
      'lib/**/*.test.ts',
      'cli/**/*.test.ts',
      'tests/unit/**/*.test.ts',
      'samples/**/*.test.ts',
      'lab/**/*.test.ts',
      'components/**/*.test.ts',
    ],
    globalSetup: ['tests/corpus-notice.ts'],
    testTimeout: 60_000,
    pool: 'threads',
  },
});
