/**
 * The public surface: `dist/index.d.ts` holds only documented API. No internal member (`@internal`,
 * `_`-prefixed, the runtime's internals) and no internal class reaches it, and every public member
 * of every class, and every field of every options object, has a doc comment (what shows on hover).
 * Needs `npm run build` first (npm test does it). DMAFENCE_DTS overrides the file (to check an old one).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = process.env.DMAFENCE_DTS ?? fileURLToPath(new URL('../dist/index.d.ts', import.meta.url));
const text = readFileSync(file, 'utf8');
const lines = text.split('\n');

/** Members that are internal wherever they appear (fields of the runtime's machinery). */
const INTERNAL_MEMBERS = new Set(['arena', 'core', 'fences', 'log', 'engine', 'life', 'index', 'ops', 'table', 'records', 'host', 'issuers']);
/** Internal types that must not be declared in the bundle at all. */
const INTERNAL_TYPES = ['Arena', 'ArenaLayout', 'ArenaSizes', 'Core', 'FenceTable', 'FenceRecord', 'DeviceEngine', 'ViolationLog', 'Lifetime', 'RingHost', 'Issuer', 'EventSource', 'Waiter'];

interface Member { owner: string; kind: 'class' | 'interface'; name: string; line: number; documented: boolean }
interface Decl { name: string; kind: 'class' | 'interface'; line: number; documented: boolean }

/** The line before `i`, skipping blank ones. */
function prev(i: number): string {
  let j = i - 1;
  while (j >= 0 && lines[j].trim() === '') j--;
  return j >= 0 ? lines[j].trim() : '';
}

/**
 * Line based: a class or interface body runs from `declare class X` / `interface X` to the next
 * line that is exactly `}`; a member starts on a line indented by exactly four spaces that is not
 * part of a comment or a continuation (`}`, `)`). Documented: the line before it closes a comment.
 */
function parse(): { decls: Decl[]; members: Member[] } {
  const decls: Decl[] = [];
  const members: Member[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:export )?(?:declare )?(?:abstract )?(class|interface) (\w+)/.exec(lines[i]);
    if (!m) continue;
    const kind = m[1] as 'class' | 'interface';
    const owner = m[2];
    decls.push({ name: owner, kind, line: i + 1, documented: prev(i).endsWith('*/') });
    if (lines[i].trimEnd().endsWith('}')) continue; // `interface X {}` on one line
    let inComment = false;
    for (i++; i < lines.length && lines[i] !== '}'; i++) {
      const l = lines[i];
      const t = l.trim();
      if (inComment) { if (t.includes('*/')) inComment = false; continue; }
      if (t.startsWith('/*')) { if (!t.includes('*/')) inComment = true; continue; }
      if (!/^ {4}\S/.test(l) || /^[})\]*]/.test(t) || t === '#private;') continue;
      const n = /^(?:(?:static|readonly|get|set|abstract|protected|private)\s+)*(\[[^\]]+\]|[\w$]+)/.exec(t);
      if (!n) continue;
      members.push({ owner, kind, name: n[1], line: i + 1, documented: prev(i).endsWith('*/') });
    }
  }
  return { decls, members };
}

const { decls, members } = parse();
const exported = new Set(
  [...text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap((m) => m[1].split(',').map((s) => s.trim().split(/\s+as\s+/).pop()!)).filter(Boolean),
);

describe('public surface (dist/index.d.ts)', () => {
  it('parses: the main classes and their members are found', () => {
    for (const c of ['Runtime', 'HwRing', 'DmaDevice', 'DmaMemory', 'DmaFence', 'FenceContext', 'VirtualClock', 'AttachedRuntime']) {
      expect(decls.some((d) => d.name === c && d.kind === 'class'), c).toBe(true);
      expect(members.filter((m) => m.owner === c).length, c).toBeGreaterThan(2);
    }
    expect(members.some((m) => m.owner === 'HwRing' && m.name === 'submit')).toBe(true);
  });

  it('declares no internal type', () => {
    const found = decls.filter((d) => INTERNAL_TYPES.includes(d.name)).map((d) => `${d.kind} ${d.name} (line ${d.line})`);
    expect(found).toEqual([]);
  });

  it('has no internal member', () => {
    const found = members
      .filter((m) => m.name.startsWith('_') || (m.kind === 'class' && INTERNAL_MEMBERS.has(m.name)))
      .map((m) => `${m.owner}.${m.name} (line ${m.line})`);
    expect(found).toEqual([]);
    for (const s of ['_afterStep', '_record', '_ring', '_noAck', '_table', '_irq', '_watchdog', 'readonly arena', 'readonly core', 'readonly fences', 'readonly engine', 'readonly life']) {
      expect(text.includes(s), s).toBe(false);
    }
  });

  it('every exported class has a doc comment on it', () => {
    const undocumented = decls.filter((d) => d.kind === 'class' && exported.has(d.name) && !d.documented).map((d) => d.name);
    expect(undocumented).toEqual([]);
  });

  it('every public member of an exported class, and every option field, has a doc comment', () => {
    const checked = members.filter((m) =>
      (m.kind === 'class' && exported.has(m.owner)) || (m.kind === 'interface' && exported.has(m.owner) && /Options$/.test(m.owner)));
    const undocumented = checked.filter((m) => !m.documented).map((m) => `${m.owner}.${m.name} (line ${m.line})`);
    expect(undocumented).toEqual([]);
  });

  it('the main entry points have an @example', () => {
    for (const name of ['createRuntime', 'Runtime', 'HwRing', 'DmaDevice', 'DmaMemory', 'AttachedRuntime', 'attachRuntime', 'VirtualClock', 'DmaFence', 'FenceContext']) {
      const at = lines.findIndex((l) => new RegExp(`^(?:export )?declare (?:class|function) ${name}\\b`).test(l));
      expect(at, name).toBeGreaterThan(0);
      expect(prev(at).endsWith('*/'), `${name} has no doc comment`).toBe(true);
      let j = at - 1;
      while (j >= 0 && !lines[j].trim().startsWith('/**')) j--;
      expect(lines.slice(j, at).join('\n'), name).toContain('@example');
    }
  });

  it('classes the library makes cannot be constructed by users (private constructor in the d.ts)', () => {
    for (const name of ['Runtime', 'FenceContext', 'DmaFence', 'DriverFence', 'HwRing', 'DmaDevice', 'DmaMemory', 'DmaBuffer', 'AttachedRuntime', 'RemoteFence', 'VirtualClock', 'RealClock']) {
      const at = lines.findIndex((l) => new RegExp(`^(?:export )?declare class ${name}\\b`).test(l));
      expect(at, name).toBeGreaterThan(0);
      expect(lines[at + 2].trim(), name).toBe('private constructor();');
    }
  });
});
