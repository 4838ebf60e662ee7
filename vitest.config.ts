import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

/** Debian's Chromium (npm test installs it when it can); Playwright never downloads a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Running from source: the loader names the files it ships beside its bundle with literal
 * `new URL('./file', import.meta.url)` (what bundlers read); from bindings/ they are in build/
 * (the wasm) and dist/ (the device workers). Tests only: the bundles keep the literals.
 */
const fromSource = {
  name: 'dmafence-from-source',
  enforce: 'pre' as const,
  transform(code: string, id: string) {
    if (/\/bindings\/core\/wasm-core\.ts$/.test(id)) return code.replaceAll("new URL('./dmafence.", "new URL('../../build/dmafence.");
    if (/\/bindings\/platform(\.browser)?\.ts$/.test(id)) return code.replaceAll("new URL('./device-worker.", "new URL('../dist/device-worker.");
    return null;
  },
};
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  test: {
    testTimeout: 120_000,
    reporters: ['default', './test/reporters/summary.ts'],
    projects: [
      {
        plugins: [fromSource],
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          pool: 'forks',
          execArgv: ['--expose-gc'],
          testTimeout: 120_000,
        },
      },
      {
        // The same fence-rule suite and a worker ring, in a real browser, cross-origin isolated.
        plugins: [fromSource],
        server: { headers: ISOLATION },
        resolve: { alias: [{ find: /^(.*)\/platform\.js$/, replacement: '$1/platform.browser.ts' }] },
        test: {
          name: 'chromium',
          include: ['test/fence-rules.test.ts', 'test/object-api.test.ts', 'test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: CHROMIUM,
                args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc'],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
