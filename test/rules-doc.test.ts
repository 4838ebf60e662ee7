/**
 * docs/RULES.md defines every rule id the library and its tests use: each violation's `rule`, and
 * each id a test title starts with, has its anchor there (sub-rules such as X2.6 under X2).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const anchors = new Set([...read('docs/RULES.md').matchAll(/<a id="([A-Z][0-9]+)"><\/a>\*\*\1\*\* \S/g)].map((m) => m[1]));
const family = (id: string) => id.replace(/\..*$/, '');

function walk(dir: string): string[] {
  return readdirSync(new URL(dir, root), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(`${dir}${d.name}/`) : d.name.endsWith('.ts') ? [`${dir}${d.name}`] : [],
  );
}

describe('docs/RULES.md', () => {
  it('has one line per rule (71), each with its anchor', () => {
    expect(anchors.size).toBe(71);
    for (const id of ['F1', 'F18', 'C5', 'R7', 'D4', 'M3', 'T8', 'X4', 'Y8', 'S10', 'Q4']) expect(anchors).toContain(id);
  });

  it('defines every rule a violation names (bindings: rule: "..")', () => {
    const used = new Set(walk('bindings/').flatMap((f) => [...read(f).matchAll(/\brule: '([A-Z][0-9.]+)'/g)].map((m) => family(m[1]))));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((id) => !anchors.has(id))).toEqual([]);
  });

  it('defines every rule a test title names before its colon', () => {
    const used = new Set<string>();
    for (const f of walk('test/')) {
      for (const m of read(f).matchAll(/\bit(?:\.each\([^)]*\))?\(\s*['"`]([^'"`]*?):/g)) {
        for (const id of m[1].matchAll(/\b([FCRDMTXYSQ][0-9]{1,2}(?:\.[0-9]+)?)\b/g)) used.add(family(id[1]));
      }
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((id) => !anchors.has(id))).toEqual([]);
  });
});
