/**
 * The whole node suite with the generated ts core in place of the hand-written one (the switch
 * before the hand-written twin is deleted):
 *   npx vitest run --config test/gen-core.vitest.config.ts
 * Same as the `node` project of vitest.config.ts, plus test/gen-core.setup.ts.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    name: 'node-gen-core',
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**'],
    setupFiles: ['test/gen-core.setup.ts'],
    pool: 'forks',
    execArgv: ['--expose-gc'],
    testTimeout: 120_000,
  },
});
