/**
 * The demo page (examples/browser) as a new user meets it, in headless Chromium (Debian's, through
 * Playwright): every action leaves a visible, lasting trace in the DOM. A hang shows in that ring's
 * event log (timeout, reset, the fence signaled with an error) and in no other ring's; a drop under
 * each policy shows its report beside the ring with a clean or corrupted verdict, and its card
 * offers a new ring instead of dead buttons; violations are grouped by kind with counts that add
 * up; the teardown matrix is drawn; nothing overflows at desktop and phone widths (1280, 390, 360).
 * Screenshots go to test-results/ (artifacts, not committed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import type { Browser, Page } from 'playwright';
import { createServer } from 'vite';
import type { ViteDevServer } from 'vite';

const EXAMPLE = fileURLToPath(new URL('../examples/browser/', import.meta.url));

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server: ViteDevServer;
let url: string;
let cacheDir: string;
let browser: Browser;

beforeAll(async () => {
  // Served as npm run demo:browser serves it: the Vite dev server with the page's own config.
  // Vite's cache in a temporary directory, not in the shared node_modules/.vite.
  cacheDir = mkdtempSync(join(tmpdir(), 'dmafence-demo-vite-'));
  server = await createServer({ root: EXAMPLE, configFile: `${EXAMPLE}vite.config.js`, logLevel: 'silent', cacheDir, server: { port: 0 } });
  await server.listen();
  url = server.resolvedUrls!.local[0];
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  mkdirSync('test-results', { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

/** Opens the page at a width; collects console errors; waits for fences to flow. */
async function open(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as { __dmafence?: { signaled: number } }).__dmafence?.signaled! > 500, null, { timeout: 30_000 });
  return { page, errors };
}

const overflow = (page: Page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
const logText = (page: Page, ring: number) => page.locator('.ring').nth(ring).locator('.log').innerText();
const stat = async (page: Page, ring: number, name: string) => Number((await page.locator('.ring').nth(ring).locator(`.stat.${name} b`).innerText()).replace(/\D/g, ''));

describe('demo page', () => {
  it('desktop 1280: a hang, a drop under each policy, a new ring, grouped violations, the matrix; every effect stays in the DOM', async () => {
    const { page, errors } = await open(1280, 800);
    try {
      expect(await page.evaluate(() => (globalThis as unknown as { __dmafence: { clock: string } }).__dmafence.clock)).toBe('real');
      const ring0 = page.locator('.ring').nth(0);
      const ring1 = page.locator('.ring').nth(1);
      expect(await ring0.locator('h2').innerText()).toContain('on gpu0');
      expect(await ring1.locator('h2').innerText()).toContain('on gpu1');
      expect(await stat(page, 0, 'submitted')).toBeGreaterThan(0);
      expect(await stat(page, 0, 'signaled')).toBeGreaterThan(0);

      // R6: a hang on ring0's device hangs ring0 only, and its log keeps the whole story.
      await ring0.locator('button.hang').click();
      await expect.poll(() => logText(page, 0)).toContain('hang armed on gpu0');
      await page.waitForFunction(() => /reset effective/.test(document.querySelectorAll('.ring .log')[0].textContent!) && /with error -ETIME/.test(document.querySelectorAll('.ring .log')[0].textContent!), null, { timeout: 10_000 });
      const log0 = await logText(page, 0);
      expect(log0).toMatch(/timeout: job \d+/);
      expect(log0).toContain('reset requested (timeout)');
      expect(log0).toContain('state running → faulted');
      expect(await stat(page, 0, 'resets')).toBe(1);
      expect(await stat(page, 0, 'errors')).toBeGreaterThanOrEqual(1);
      expect(await logText(page, 1)).not.toMatch(/hang armed|timeout: job|reset/);
      expect(await stat(page, 1, 'resets')).toBe(0);

      // T1/M2 against T4: drop ring0 under signal-on-drop and ring1 under emitter-guarantee.
      await page.locator('#compare').click();
      await ring0.locator('.report').waitFor({ state: 'visible', timeout: 10_000 });
      await ring1.locator('.report').waitFor({ state: 'visible', timeout: 10_000 });
      expect(await ring0.locator('.report').getAttribute('class')).toContain('corrupted');
      expect(await ring0.locator('.report').innerText()).toMatch(/Corrupted drop · policy signal-on-drop[\s\S]*fences signaled while the device could still write \(T1\)/);
      expect(await ring0.locator('.verdict').innerText()).toBe('corrupted');
      expect(await ring1.locator('.report').getAttribute('class')).toContain('clean');
      expect(await ring1.locator('.report').innerText()).toMatch(/Clean drop · policy emitter-guarantee[\s\S]*0 unsignaled[\s\S]*violations during the drop: none/);
      expect(await ring1.locator('.verdict').innerText()).toBe('clean');
      expect(await logText(page, 1)).toMatch(/STOP sent[\s\S]*drop under policy emitter-guarantee/); // newest first: the ACK above the STOP
      expect(await logText(page, 1)).toContain('ACK: the device has stopped writing');
      expect(await logText(page, 0)).toMatch(/violation premature-signal \(T1\)[\s\S]*×\d+/);
      // A dropped card has no dead buttons: a new ring instead.
      for (const card of [ring0, ring1]) {
        expect(await card.locator('.state').innerText()).toBe('dropped');
        expect(await card.locator('button.hang, button.drop, button.clean').count()).toBe(0);
        expect(await card.locator('button.new').count()).toBe(1);
      }
      expect(await page.locator('#compare').isDisabled()).toBe(true);

      // Violations grouped by kind: one line per kind, counts adding up to the total.
      const groups = page.locator('#violations details');
      await expect.poll(() => groups.locator('summary').allInnerTexts()).toContainEqual(expect.stringMatching(/^premature-signal T1 ×\d+ ring0 · first [\d.]+ ms · last [\d.]+ ms$/));
      // Read in one go: corruptions may still be coming in.
      const { summaries, total } = await page.evaluate(() => ({
        summaries: [...document.querySelectorAll('#violations summary')].map((s) => (s as HTMLElement).innerText),
        total: document.querySelector('#vcount')!.textContent!,
      }));
      const kinds = summaries.map((s) => s.split(' ')[0]);
      expect(new Set(kinds).size).toBe(kinds.length);
      const sum = summaries.reduce((n, s) => n + Number(/×([\d,]+)/.exec(s)![1].replace(/,/g, '')), 0);
      expect(sum).toBe(Number(total.replace(/,/g, '')));
      await groups.first().locator('summary').click();
      expect(await groups.first().locator('.samples li').count()).toBeGreaterThan(0);

      // The dropped ring0 makes way for a new ring on a new device, which runs.
      await ring0.locator('button.new').click();
      await page.waitForFunction(() => document.querySelectorAll('.ring')[0].querySelector('h2')!.textContent!.includes('ring2'), null, { timeout: 5_000 });
      expect(await page.locator('.ring').count()).toBe(2);
      expect(await page.locator('.ring').nth(0).locator('h2').innerText()).toContain('on gpu2');
      await expect.poll(() => logText(page, 0)).toContain('in place of ring0');
      await page.waitForFunction(() => Number(document.querySelector('.ring .stat.signaled b')!.textContent!.replace(/\D/g, '')) > 0, null, { timeout: 10_000 });
      expect(await page.locator('.ring').nth(0).locator('.state').innerText()).toBe('running');

      // The teardown matrix, as a heat map: 8 device kinds × 4 policies × 2 guarantee levels.
      await page.locator('#matrix[data-state="done"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('#matrix .picture svg g.cell').count()).toBe(64);
      expect(await page.locator('#matrix .status').innerText()).toMatch(/^64 teardowns in [\d.]+ s \(seed 1\): \d+ clean, \d+ broke a rule\.$/);

      const o = await overflow(page);
      expect(o.scroll).toBeLessThanOrEqual(o.inner);
      await page.screenshot({ path: 'test-results/demo-desktop.png', fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('phone 390 and 360: a drop report beside its ring, the matrix, no horizontal overflow', async () => {
    const { page, errors } = await open(390, 844);
    try {
      expect((await overflow(page)).scroll).toBeLessThanOrEqual(390);
      const ring1 = page.locator('.ring').nth(1);
      await ring1.locator('button.drop').click();
      await ring1.locator('.report.corrupted').waitFor({ timeout: 10_000 });
      expect(await ring1.locator('.report').innerText()).toContain('signal-on-drop');
      await page.locator('#matrix[data-state="done"]').waitFor({ timeout: 60_000 });
      await page.waitForTimeout(300);
      let o = await overflow(page);
      expect(o.scroll).toBeLessThanOrEqual(o.inner);
      await page.screenshot({ path: 'test-results/demo-phone.png', fullPage: true });
      await page.setViewportSize({ width: 360, height: 740 });
      await page.waitForTimeout(200);
      o = await overflow(page);
      expect(o.inner).toBe(360);
      expect(o.scroll).toBeLessThanOrEqual(360);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
