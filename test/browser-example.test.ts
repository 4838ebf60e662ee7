/**
 * The browser example, loaded for real: served by the Vite dev server with its own config
 * (examples/browser/vite.config.js: COOP/COEP), as npm run demo:browser serves it, and headless
 * Chromium from Debian through Playwright (never a downloaded browser). Asserts the page
 * runs the real clock with the device in a Web Worker, that fences are signaled, that a dropped
 * ring shows its violations, and that nothing reached the console as an error. Saves a screenshot.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';

const EXAMPLE = fileURLToPath(new URL('../examples/browser/', import.meta.url));

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('browser example', () => {
  it('shows a live ring in Chromium: real clock, fences signaled, no console error', async () => {
    // Vite's cache in a temporary directory, not in the shared node_modules/.vite.
    const cacheDir = mkdtempSync(join(tmpdir(), 'dmafence-demo-vite-'));
    const server = await createServer({ root: EXAMPLE, configFile: `${EXAMPLE}vite.config.js`, logLevel: 'silent', cacheDir, server: { port: 0 } });
    await server.listen();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(server.resolvedUrls!.local[0]);
      await page.waitForFunction(() => (globalThis as { __dmafence?: { signaled: number } }).__dmafence?.signaled! > 1000, null, { timeout: 30_000 });
      const state = await page.evaluate(() => (globalThis as unknown as { __dmafence: { clock: string; rings: number } }).__dmafence);
      expect(state.clock).toBe('real');
      expect(state.rings).toBe(2);
      expect(await page.locator('#mode').textContent()).toContain('Web Worker');
      await page.locator('.ring').nth(1).locator('button.drop').click();
      await page.waitForFunction(() => (globalThis as { __dmafence?: { violations: number } }).__dmafence?.violations! > 0, null, { timeout: 10_000 });
      await page.waitForTimeout(300);
      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/browser-example.png' });
      expect(await page.locator('#violations li').count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
