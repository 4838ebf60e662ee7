/**
 * The teardown matrix as a heat map (`dmafence teardown --svg out.svg`): one row per device, one
 * column per policy (× guarantee, when the matrix has both levels), each cell coloured by what
 * went wrong in that run (corruptions + fences left unsignaled: green for none, yellow to red as
 * it grows, purple for a teardown that never ended), with its numbers written in it, a legend and
 * a title. Plain SVG 1.1, no script, no external resource.
 *
 * Contract: a pure function of the rows; text is XML-escaped.
 */

import { DmaFenceTypeError, checkInteger, describe } from '../errors.js';

/** What the heat map reads of a matrix row. */
export interface HeatCell {
  /** The row: the device's name. */
  device: string;
  /** The column: the policy's name. */
  policy: string;
  /** 'emitter' | 'fence', when the matrix has that axis. */
  guarantee?: string;
  /** DMA writes into memory that had changed hands (M2). */
  corruptions: number;
  /** Fences never signaled (T2). */
  unsignaled: number;
  /** Fences signaled while the device could still write for them (T1): a dashed outline. */
  prematureSignals?: number;
  /** The drop never finished. */
  deadlock?: boolean;
}

const CELL_W = 150;
const CELL_H = 64;
const LEFT = 170;
const TOP = 100;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The cell's colour: green (nothing wrong), then yellow → red on a log scale of the damage; purple: deadlock. */
export function cellColour(c: HeatCell): string {
  if (c.deadlock) return '#8e44ad';
  const bad = c.corruptions + c.unsignaled;
  if (bad === 0) return '#2e9d4f';
  const t = Math.min(1, Math.log10(1 + bad) / 3); // 1 → ~0.1, 1000 → 1
  const g = Math.round(200 - 170 * t);
  return `rgb(230,${g},40)`;
}

function column(c: HeatCell): string {
  return c.guarantee === undefined ? c.policy : `${c.policy} · ${c.guarantee}`;
}

/**
 * The teardown matrix as an SVG heat map (what `dmafence teardown --svg` writes): rows from
 * runTeardownMatrix (or any HeatCell), a title and a subtitle. Returns the SVG document's text.
 */
export function matrixSvg(rows: readonly HeatCell[], title: string, subtitle = ''): string {
  const devices = [...new Set(rows.map((r) => r.device))];
  const cols = [...new Set(rows.map(column))];
  const width = LEFT + cols.length * CELL_W + 20;
  const height = TOP + devices.length * CELL_H + 90;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`);
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="12" y="26" font-size="17" font-weight="bold">${escapeXml(title)}</text>`);
  if (subtitle) out.push(`<text x="12" y="46" font-size="12" fill="#444444">${escapeXml(subtitle)}</text>`);
  // Column headers: the policy over its columns, and (with the guarantee axis) the level under it.
  const colRows = cols.map((c) => rows.find((r) => column(r) === c)!);
  for (let j = 0; j < cols.length; ) {
    let k = j;
    while (k + 1 < cols.length && colRows[k + 1].policy === colRows[j].policy) k++;
    const x = LEFT + ((j + k + 1) / 2) * CELL_W;
    const y = colRows[j].guarantee === undefined ? TOP - 10 : TOP - 28;
    out.push(`<text x="${x}" y="${y}" font-size="12" text-anchor="middle" font-weight="bold">${escapeXml(colRows[j].policy)}</text>`);
    j = k + 1;
  }
  colRows.forEach((r, j) => {
    if (r.guarantee === undefined) return;
    out.push(`<text x="${LEFT + j * CELL_W + CELL_W / 2}" y="${TOP - 10}" font-size="11" text-anchor="middle" fill="#444444">guarantee: ${escapeXml(r.guarantee)}</text>`);
  });
  devices.forEach((d, i) => {
    const y = TOP + i * CELL_H + CELL_H / 2 + 4;
    out.push(`<text x="${LEFT - 10}" y="${y}" font-size="12" text-anchor="end" font-weight="bold">${escapeXml(d)}</text>`);
  });
  for (const r of rows) {
    const i = devices.indexOf(r.device);
    const j = cols.indexOf(column(r));
    const x = LEFT + j * CELL_W;
    const y = TOP + i * CELL_H;
    const bad = r.corruptions + r.unsignaled;
    const tip = `${r.device} / ${column(r)}: ${r.corruptions} corruptions, ${r.unsignaled} unsignaled fences${r.prematureSignals ? `, ${r.prematureSignals} premature signals` : ''}${r.deadlock ? ', teardown never ended' : ''}`;
    out.push(`<g class="cell" data-device="${escapeXml(r.device)}" data-column="${escapeXml(column(r))}" data-corruptions="${r.corruptions}" data-unsignaled="${r.unsignaled}">`);
    out.push(`<title>${escapeXml(tip)}</title>`);
    // Premature signals (T1) that did no damage in this run still break the rule: a dashed outline.
    const t1 = r.prematureSignals ? ` stroke="#c0392b" stroke-width="3" stroke-dasharray="6 3"` : '';
    out.push(`<rect x="${x + 2}" y="${y + 2}" width="${CELL_W - 4}" height="${CELL_H - 4}" rx="4" fill="${cellColour(r)}"${t1}/>`);
    out.push(`<text x="${x + CELL_W / 2}" y="${y + 24}" font-size="16" font-weight="bold" text-anchor="middle" fill="#ffffff">${r.deadlock ? 'deadlock' : bad}</text>`);
    out.push(`<text x="${x + CELL_W / 2}" y="${y + 40}" font-size="11" text-anchor="middle" fill="#ffffff">${r.corruptions} corr. · ${r.unsignaled} unsig.</text>`);
    if (r.prematureSignals) out.push(`<text x="${x + CELL_W / 2}" y="${y + 55}" font-size="11" text-anchor="middle" fill="#ffffff">${r.prematureSignals} premature signal${r.prematureSignals === 1 ? '' : 's'} (T1)</text>`);
    out.push('</g>');
  }
  // Legend.
  const ly = TOP + devices.length * CELL_H + 24;
  out.push(`<text x="12" y="${ly + 12}" font-size="12">each cell: corruptions + unsignaled fences (below: each alone)</text>`);
  const swatches: [string, string][] = [
    [cellColour({ device: '', policy: '', corruptions: 0, unsignaled: 0 }), 'none'],
    [cellColour({ device: '', policy: '', corruptions: 1, unsignaled: 0 }), '1'],
    [cellColour({ device: '', policy: '', corruptions: 30, unsignaled: 0 }), '30'],
    [cellColour({ device: '', policy: '', corruptions: 1000, unsignaled: 0 }), '1000+'],
    [cellColour({ device: '', policy: '', corruptions: 0, unsignaled: 0, deadlock: true }), 'teardown never ended'],
  ];
  let lx = 12;
  for (const [fill, label] of swatches) {
    out.push(`<rect x="${lx}" y="${ly + 24}" width="18" height="18" rx="3" fill="${fill}"/>`);
    out.push(`<text x="${lx + 24}" y="${ly + 38}" font-size="12">${escapeXml(label)}</text>`);
    lx += 24 + label.length * 7 + 18;
  }
  out.push(`<rect x="${lx}" y="${ly + 24}" width="18" height="18" rx="3" fill="#ffffff" stroke="#c0392b" stroke-width="3" stroke-dasharray="6 3"/>`);
  out.push(`<text x="${lx + 24}" y="${ly + 38}" font-size="12">premature signals (T1)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * The teardown matrix as an SVG heat map, for pages and tools: `rows` from runTeardownMatrix (or
 * any HeatCell), a title and an optional subtitle; returns the SVG document's text. Bad input is
 * ERR_INVALID_ARG naming the field (`rows[2].corruptions`), and nothing is drawn.
 */
export function teardownMatrixSvg(rows: readonly HeatCell[], title: string, subtitle = ''): string {
  if (!Array.isArray(rows)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `rows must be an array of HeatCell (runTeardownMatrix's rows), got ${describe(rows)}`);
  if (typeof title !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `title must be a string, got ${describe(title)}`);
  if (typeof subtitle !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `subtitle must be a string, got ${describe(subtitle)}`);
  for (let i = 0; i < rows.length; i++) {
    const r: unknown = rows[i];
    const at = `rows[${i}]`;
    if (typeof r !== 'object' || r === null) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${at} must be a HeatCell object, got ${describe(r)}`);
    const c = r as Record<string, unknown>;
    for (const k of ['device', 'policy'] as const) if (typeof c[k] !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${at}.${k} must be a string, got ${describe(c[k])}`);
    if (c.guarantee !== undefined && typeof c.guarantee !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${at}.guarantee must be a string or absent, got ${describe(c.guarantee)}`);
    for (const k of ['corruptions', 'unsignaled', 'prematureSignals'] as const) {
      if (k === 'prematureSignals' && c[k] === undefined) continue;
      checkInteger(`${at}.${k}`, c[k], 0, Number.MAX_SAFE_INTEGER);
    }
    if (c.deadlock !== undefined && typeof c.deadlock !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${at}.deadlock must be a boolean or absent, got ${describe(c.deadlock)}`);
  }
  return matrixSvg(rows, title, subtitle);
}
