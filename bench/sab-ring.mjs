// The real-clock pipeline's peer: a hand-written SharedArrayBuffer ring between the same two
// threads, with what the library's real clock does and nothing else. The main thread writes
// 32-byte job descriptors into the ring, publishes its head and rings a doorbell; a
// worker_threads worker consumes them, then publishes the last one's completion seqno and raises
// an interrupt word, once per pass (as the library's device thread does); the main thread waits on that word with Atomics.waitAsync and
// frees ring slots from the completion seqno, as the library's interrupt handler does.
//
// Word ownership: HEAD and DOORBELL are the main thread's; DONE and IRQ the worker's; EXIT the
// main thread's. Seqnos count from 1 and stay below 2^31 (one ring per round).
import { Worker } from 'node:worker_threads';

/** Word indices: each thread's words on their own 64-byte line, so they do not share one. */
export const W = { HEAD: 0, DOORBELL: 1, EXIT: 2, DONE: 16, IRQ: 17, RING: 32 };
/** Words per descriptor: seqno, dst, length, flags, and padding to 32 bytes like the library's. */
export const DESC_WORDS = 8;

export class SabRing {
  /** Starts the worker; resolves once it runs. */
  static async start(capacity = 1024) {
    const r = new SabRing(capacity);
    r.worker = new Worker(new URL('./sab-ring-worker.mjs', import.meta.url), { workerData: { sab: r.sab, capacity } });
    await new Promise((res, rej) => {
      r.worker.once('message', res);
      r.worker.once('error', rej);
    });
    void r.#irqLoop();
    return r;
  }

  constructor(capacity) {
    this.capacity = capacity;
    this.sab = new SharedArrayBuffer((W.RING + capacity * DESC_WORDS) * 4);
    this.i32 = new Int32Array(this.sab);
    this.head = 0; // jobs written (the last seqno)
    this.done = 0; // the completion seqno the interrupt handler saw
    this.waiter = undefined; // { upTo, resolve }
    this.closed = false;
  }

  get space() {
    return this.capacity - (this.head - this.done);
  }

  /** Writes n zero-byte job descriptors and rings the doorbell once. */
  submitBatch(n) {
    const { i32, capacity } = this;
    const mask = capacity - 1;
    let seq = this.head;
    for (let k = 0; k < n; k++) {
      seq++;
      const d = W.RING + (seq & mask) * DESC_WORDS;
      i32[d] = seq;
      i32[d + 1] = 0;
      i32[d + 2] = 0;
      i32[d + 3] = 0;
    }
    this.head = seq;
    Atomics.store(i32, W.HEAD, seq);
    Atomics.add(i32, W.DOORBELL, 1);
    Atomics.notify(i32, W.DOORBELL);
  }

  /** Resolves once the worker completed seqno `upTo`. */
  until(upTo) {
    if (this.done >= upTo) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = { upTo, resolve };
    });
  }

  /** The interrupt handler: reads the completion seqno, frees slots, resolves the waiter. */
  #service() {
    this.done = Atomics.load(this.i32, W.DONE);
    if (this.waiter && this.done >= this.waiter.upTo) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve();
    }
  }

  async #irqLoop() {
    // A pending Atomics.waitAsync does not hold Node's event loop: a timer does while open.
    const hold = setInterval(() => this.#service(), 20);
    while (!this.closed) {
      const seen = Atomics.load(this.i32, W.IRQ);
      this.#service();
      const r = Atomics.waitAsync(this.i32, W.IRQ, seen);
      if (r.async) await r.value;
    }
    clearInterval(hold);
  }

  async dispose() {
    this.closed = true;
    Atomics.store(this.i32, W.EXIT, 1);
    Atomics.add(this.i32, W.DOORBELL, 1);
    Atomics.notify(this.i32, W.DOORBELL);
    Atomics.add(this.i32, W.IRQ, 1);
    Atomics.notify(this.i32, W.IRQ);
    await this.worker.terminate();
  }
}
