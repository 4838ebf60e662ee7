/**
 * The API reference (`npm run docs`, typedoc.json): typedoc reads the public API from
 * bindings/index.ts and fails on any exported symbol, member or field without a doc comment
 * (`validation.notDocumented`, `treatValidationWarningsAsErrors`). Run here into a temporary
 * directory, where the violation's `rule` must link to the docs/RULES.md page. A second run on a one-line module with an undocumented export shows the
 * same configuration does fail.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const typedoc = ({ cwd = root, out = '' } = {}) =>
  spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc')].concat(out ? ['--out', out] : ['--emit', 'none']), { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('API reference (typedoc)', () => {
  it('every public symbol of bindings/index.ts has a doc comment, no link or export is broken, and Violation.rule links to docs/RULES.md', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafence-api-'));
    try {
      const r = typedoc({ out: dir });
      const out = plain(r.stdout + r.stderr);
      expect(out.split('\n').filter((l) => /\[(warning|error)\]/.test(l))).toEqual([]);
      expect(r.status).toBe(0);
      // docs/RULES.md is a page of the reference, with an anchor per rule, and the violation's
      // `rule` field links to it.
      expect(readFileSync(join(dir, 'documents/RULES.html'), 'utf8')).toContain('id="T1"');
      expect(readFileSync(join(dir, 'interfaces/index.Violation.html'), 'utf8')).toContain('href="../documents/RULES.html"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the same configuration fails on an undocumented export (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafence-typedoc-'));
    try {
      writeFileSync(join(dir, 'entry.ts'), '/** Documented. */\nexport const documented = 1;\nexport function undocumentedThing(): number {\n  return 2;\n}\n');
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: true, types: [] }, files: ['entry.ts'] }));
      // typedoc.json's settings, on the one-line module instead of bindings/index.ts.
      const { $schema: _s, intentionallyNotExported: _n, projectDocuments: _d, ...options } = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8'));
      writeFileSync(join(dir, 'typedoc.json'), JSON.stringify({ ...options, tsconfig: 'tsconfig.json', entryPoints: ['entry.ts'] }));
      const r = typedoc({ cwd: dir });
      const out = plain(r.stdout + r.stderr);
      expect(r.status).not.toBe(0);
      expect(out).toMatch(/undocumentedThing.*does not have any documentation/);
      expect(out).not.toMatch(/\bdocumented \(Variable\)/);
      expect(out.split('\n').filter((l) => /does not have any documentation/.test(l)).length).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
