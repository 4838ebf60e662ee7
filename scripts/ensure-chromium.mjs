#!/usr/bin/env node
// The browser tests run in Debian's Chromium (never a browser Playwright downloads). If it is not
// installed, install it with apt-get when we can (root on Debian), else stop and say how.
import { existsSync } from 'node:fs';
import { execFileSync, execSync } from 'node:child_process';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const hasAptGet = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (process.getuid?.() === 0 && hasAptGet && !process.env.CHROMIUM_PATH) {
  console.error('Chromium is not installed: installing Debian\'s chromium with apt-get (once) ...');
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  if (existsSync(path)) process.exit(0);
}
console.error(
  `The browser tests need Chromium at ${path}, and it is not there.\n` +
    '  On Debian or Ubuntu, as root:  apt-get update && apt-get install -y chromium\n' +
    '  Elsewhere: install Chromium and set CHROMIUM_PATH to its binary.',
);
process.exit(1);
