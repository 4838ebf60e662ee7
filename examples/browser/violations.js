// The violations panel: grouped by kind (and rule), with the count, the rings, the first and last
// time, and (expandable) the most recent messages. Fed from the 'violation' events of rt.events,
// which name the ring.
import { ms } from './log.js';

const SAMPLES = 12;

export class ViolationGroups {
  constructor(el, total) {
    this.el = el;
    this.total = total;
    this.groups = new Map();
    this.count = 0;
    this.dirty = true;
  }

  add(e) {
    const a = e.args;
    const key = `${a.kind} ${a.rule}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { kind: a.kind, rule: a.rule, count: 0, rings: new Set(), firstNs: e.timeNs, lastNs: e.timeNs, samples: [], el: null };
      this.groups.set(key, g);
    }
    g.count++;
    if (a.ring !== undefined) g.rings.add(a.ring);
    g.lastNs = e.timeNs;
    g.samples.push(`${ms(e.timeNs)}  ${a.message}`);
    if (g.samples.length > SAMPLES) g.samples.shift();
    g.dirty = true;
    this.count++;
    this.dirty = true;
  }

  render() {
    if (!this.dirty) return;
    this.dirty = false;
    this.total.textContent = this.count.toLocaleString();
    if (this.groups.size === 0) {
      this.el.innerHTML = '<p class="none">None yet. Drop a busy ring with signal-on-drop to see some.</p>';
      return;
    }
    this.el.querySelector('.none')?.remove();
    // Most frequent first; a group keeps its element (and whether it is open).
    const order = [...this.groups.values()].sort((x, y) => y.count - x.count);
    for (const g of order) {
      if (!g.el) {
        g.el = document.createElement('details');
        g.el.className = `group ${g.kind}`;
        g.el.innerHTML = '<summary><span class="kind"></span> <span class="rule"></span> <b class="n"></b> <span class="where"></span></summary><ol class="samples"></ol>';
      }
      if (g.dirty) {
        g.dirty = false;
        g.el.querySelector('.kind').textContent = g.kind;
        g.el.querySelector('.rule').textContent = g.rule;
        g.el.querySelector('.n').textContent = `×${g.count.toLocaleString()}`;
        g.el.querySelector('.where').textContent = `${[...g.rings].join(', ') || 'no ring'} · first ${ms(g.firstNs)} · last ${ms(g.lastNs)}`;
        g.el.querySelector('.samples').replaceChildren(
          ...g.samples
            .slice()
            .reverse()
            .map((s) => Object.assign(document.createElement('li'), { textContent: s })),
        );
      }
      this.el.append(g.el); // (re)appending moves it into order
    }
  }
}
