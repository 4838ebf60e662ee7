// A ring card's event log: protocol events from rt.events (STOP, ACK, timeout, reset, drop,
// violations), the fences that signaled with an error, and what the user did. Newest first;
// a run of the same entry (233 corruptions in a row) is one line with a count.

const MAX_ENTRIES = 60;
/** Entries of one key this close in time are one line. */
const MERGE_NS = 5e6;

export const ms = (ns) => `${(ns / 1e6).toFixed(1)} ms`;

/** One line of the log for a traced event of this ring: [tone, key, text], or null to skip it. */
export function describeEvent(e) {
  const a = e.args;
  switch (e.name) {
    case 'ring-state':
      return ['info', `state ${a.to}`, `state ${a.from} → ${a.to}`];
    case 'timeout':
      return ['warn', 'timeout', `timeout: job ${a.seqno} ran past the ring's limit; the timeout handler resets (R6)`];
    case 'reset-request':
      return ['warn', 'reset-request', `reset requested (${a.reason})${a.guilty ? `, guilty job ${a.guilty}` : ''}`];
    case 'reset-effective':
      return ['ok', 'reset-effective', `reset effective (${a.reason}): the device writes nothing more for the old jobs`];
    case 'stop':
      return ['info', 'stop', 'STOP sent to the device'];
    case 'ack':
      return ['ok', 'ack', 'ACK: the device has stopped writing'];
    case 'stop-timeout':
    case 'ack-timeout':
      return ['warn', e.name, `${e.name}: no ACK in time`];
    case 'irq-poll':
      return ['warn', 'irq-poll', 'lost interrupt: the handler polled the write-back'];
    case 'drop':
      return ['warn', 'drop', `drop under policy ${a.policy}`];
    case 'driver-bug':
      return ['bad', 'driver-bug', `driver bug on job ${a.seqno} (${a.guarantee} guarantee)`];
    case 'violation':
      return ['bad', `violation ${a.kind}`, `violation ${a.kind} (${a.rule})${a.seqno === undefined ? '' : ` · fence ${a.seqno}`}`];
    default:
      return null;
  }
}

export class EventLog {
  constructor(el) {
    this.el = el;
    this.entries = [];
    this.dirty = false;
  }

  /** Adds an entry at clock time tNs (ns on the runtime clock). */
  add(tone, key, text, tNs) {
    // Newest first, by clock time (events are read in batches, signals as they are reaped); an
    // entry with the key of one within MERGE_NS of it, or of the newest, is counted into that one.
    let i = 0;
    while (i < this.entries.length && this.entries[i].tNs > tNs) i++;
    let same;
    for (let j = i - 1; !same && j >= 0 && this.entries[j].tNs - tNs <= MERGE_NS; j--) if (this.entries[j].key === key) same = this.entries[j];
    for (let j = i; !same && j < this.entries.length && tNs - this.entries[j].tNs <= MERGE_NS; j++) if (this.entries[j].key === key) same = this.entries[j];
    if (!same && i === 0 && this.entries[0]?.key === key) same = this.entries[0]; // a run goes on
    if (same) {
      same.count++;
      if (tNs >= same.tNs) {
        same.text = text;
        same.tNs = tNs;
      }
    } else {
      this.entries.splice(i, 0, { tone, key, text, tNs, count: 1 });
      if (this.entries.length > MAX_ENTRIES) this.entries.pop();
    }
    this.dirty = true;
  }

  get size() {
    return this.entries.length;
  }

  render() {
    if (!this.dirty) return;
    this.dirty = false;
    this.el.replaceChildren(
      ...this.entries.map((e) => {
        const li = document.createElement('li');
        li.className = e.tone;
        const t = document.createElement('time');
        t.textContent = ms(e.tNs);
        li.append(t, ` ${e.text}`);
        if (e.count > 1) {
          const n = document.createElement('b');
          n.className = 'count';
          n.textContent = `×${e.count}`;
          li.append(' ', n);
        }
        return li;
      }),
    );
  }
}
