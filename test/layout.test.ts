/**
 * The layout drawing is the arena's documentation: bindings/core/layout.ts draws every region as a
 * box (`╒═ Title … ╕` … `╘…╛`) of `offset name` rows, right above the constants it draws. This test
 * parses the boxes and checks them against the exported constants, so the drawing cannot drift:
 * every drawn row names a constant with that offset, every offset constant of a drawn region is
 * drawn, and rows read in offset order.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as L from '../bindings/core/layout.js';

const SOURCE = readFileSync(fileURLToPath(new URL('../bindings/core/layout.ts', import.meta.url)), 'utf8');
const CONSTS = L as unknown as Record<string, number>;

interface Region {
  /** Prefixes a drawn name is looked up under ('' = the drawn name itself, e.g. `rwTable`). */
  prefixes: string[];
  /** The offset constants this box must draw (sizes, counts and flag values are not offsets). */
  covers: (name: string, value: number) => boolean;
}

/** Every box the file draws, by title. A box with no `offset name` rows covers nothing. */
const REGIONS: Record<string, Region> = {
  Arena: { prefixes: [], covers: () => false },
  Identity: { prefixes: ['H_'], covers: (n, v) => n.startsWith('H_') && v < 0 },
  Header: {
    prefixes: ['H_', 'ST_', ''],
    covers: (n, v) => (n.startsWith('H_') && v >= 0) || n.startsWith('ST_') || n === 'RW_TABLE',
  },
  'Remote waiter entry': { prefixes: ['RW_'], covers: (n) => n === 'RW_CLAIM' || n === 'RW_LEASE' },
  'Hold entry': { prefixes: ['HD_'], covers: (n) => n === 'HD_WORD' || n === 'HD_LEASE' },
  'Emitter header': { prefixes: ['EH_'], covers: (n) => n.startsWith('EH_') && n !== 'EH_SIZE' },
  'Context entry': { prefixes: ['C_'], covers: (n) => n.startsWith('C_') },
  'Fence slot': { prefixes: ['S_'], covers: (n) => n.startsWith('S_') },
  'Fence cold slot': { prefixes: ['CS_'], covers: (n) => n.startsWith('CS_') },
  Ring: { prefixes: ['R_'], covers: (n) => n.startsWith('R_') },
  Descriptor: { prefixes: ['D_'], covers: (n) => n.startsWith('D_') },
  'Start times': { prefixes: ['T_'], covers: (n) => n.startsWith('T_') },
  'DMA region': { prefixes: [], covers: () => false },
  'Corruption entry': { prefixes: ['CE_'], covers: (n) => n.startsWith('CE_') },
  Scheduler: { prefixes: ['SC_'], covers: (n) => n.startsWith('SC_') && n !== 'SC_SIZE' },
  Entity: { prefixes: ['ET_'], covers: (n) => n.startsWith('ET_') && n !== 'ET_SIZE' },
  'Job record': { prefixes: ['SJ_'], covers: (n) => n.startsWith('SJ_') && n !== 'SJ_SIZE' },
  'Dependency reference': { prefixes: ['DP_'], covers: (n) => n.startsWith('DP_') && n !== 'DP_SIZE' },
};

interface Row {
  offset: number;
  name: string;
  line: number;
}
interface Box {
  title: string;
  rows: Row[];
  /** Line of the box's closing border, and of the first constant declared after it. */
  end: number;
  nextConst?: string;
}

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();

/** The boxes of the file: comment lines between a `╒` border and its `╘` border. */
function parseBoxes(text: string): Box[] {
  const lines = text.split('\n').map((l) => l.replace(/^\s*(\/\*+|\*\/|\*|\/\/)?\s?/, ''));
  const boxes: Box[] = [];
  let cur: Box | undefined;
  lines.forEach((l, i) => {
    if (l.startsWith('╒')) {
      const title = /^╒[═\s]*(.*?)\s*(?:\(|═|╕)/.exec(l)?.[1] ?? '';
      cur = { title, rows: [], end: -1 };
      return;
    }
    if (!cur) return;
    if (l.startsWith('╘')) {
      cur.end = i;
      boxes.push(cur);
      cur = undefined;
      return;
    }
    // A row is `offset name`, the offset at the start of a cell (after a border, a `:` label or
    // two spaces); what follows the name (type, notes) is free text.
    for (const m of l.matchAll(/(?:^|[│:\s])\s*(-?\d+) ([a-z][A-Za-z0-9]*)/g)) {
      cur.rows.push({ offset: Number(m[1]), name: m[2], line: i + 1 });
    }
  });
  const all = text.split('\n');
  for (const b of boxes) {
    for (let i = b.end + 1; i < all.length; i++) {
      const m = /^export const (\w+)/.exec(all[i]);
      if (m) {
        b.nextConst = m[1];
        break;
      }
    }
  }
  return boxes;
}

const boxes = parseBoxes(SOURCE);

/** The constant a drawn row names: the first prefix under which the name exists with that offset,
 *  else the first under which it exists at all (a wrong offset), else undefined. */
function resolve(region: Region, row: Row): string | undefined {
  const names = region.prefixes.map((p) => p + snake(row.name)).filter((n) => n in CONSTS);
  return names.find((n) => CONSTS[n] === row.offset) ?? names[0];
}

describe('layout.ts drawing', () => {
  it('draws the regions it is expected to, each once', () => {
    const titles = boxes.map((b) => b.title);
    expect(titles.slice().sort()).toEqual(Object.keys(REGIONS).sort());
  });

  for (const box of boxes) {
    const region = REGIONS[box.title];
    describe(`box "${box.title}"`, () => {
      it('every drawn row names a constant with the drawn offset', () => {
        const wrong = box.rows
          .map((r) => ({ r, c: region ? resolve(region, r) : undefined }))
          .filter(({ r, c }) => c === undefined || CONSTS[c] !== r.offset)
          .map(({ r, c }) => `line ${r.line}: ${r.offset} ${r.name}` + (c ? ` (${c} = ${CONSTS[c]})` : ' (no such constant)'));
        expect(wrong).toEqual([]);
      });

      it('every offset constant of the region is drawn', () => {
        if (!region) return;
        const drawn = new Set(box.rows.map((r) => resolve(region, r)));
        const missing = Object.keys(CONSTS).filter((n) => region.covers(n, CONSTS[n]) && !drawn.has(n));
        expect(missing).toEqual([]);
      });

      it('rows read in offset order', () => {
        const out = box.rows.filter((r, i) => i > 0 && r.offset < box.rows[i - 1].offset).map((r) => `line ${r.line}: ${r.offset} ${r.name}`);
        expect(out).toEqual([]);
      });

      if (region && region.prefixes.length > 0) {
        it('is drawn right above its constants', () => {
          const first = box.nextConst ?? '';
          expect(region.covers(first, CONSTS[first]) || /_SIZE$/.test(first)).toBe(true);
        });
      }
    });
  }
});
