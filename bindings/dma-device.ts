/**
 * DmaDevice: the modeled DMA device (D1-D4). Its configuration is copied into the arena words of
 * every ring (engine) attached to it, where the core's engine reads it; this object keeps the
 * configuration, arms faults on demand, and reports device loss (T6).
 *
 * Contract: driver thread only. Resets are per engine: a ring's timeout resets that ring's engine.
 * The configuration is read-only (getters over private fields; the object is frozen), and every
 * public member throws (or rejects) ERR_DISPOSED once the runtime is disposed.
 */
import { checkAbortSignal } from './dma-fence.js';
import { DmaFenceTypeError, abortReason, checkBoolean, checkEnum, checkOptions, describe } from './errors.js';
import type { RingInterrupts } from './ring/interrupts.js';
import type { Lifetime } from './lifetime.js';

export interface LatencyOptions {
  /** Fixed part of a job's duration, ns. Default 1000. */
  baseNs?: number;
  /** Per byte written, ns. Default 0. */
  perByteNs?: number;
  /** 0..1: each duration is stretched by a seeded fraction up to this. Default 0. */
  jitter?: number;
}

export interface FaultOptions {
  /** Per-job probability that the job never completes. */
  hang?: number;
  /** Per-job probability that the job takes SLOW_FACTOR (10) times as long. */
  slow?: number;
  /** Per-job probability that the completion raises no interrupt (the driver polls writeback). */
  lostIrq?: number;
  /** How the device answers STOP: 'ok' after ackNs, 'delayed' after 20 × ackNs, 'never'. */
  ack?: 'ok' | 'delayed' | 'never';
}

export interface DeviceOptions {
  /** Honours STOP (D2). Default true. */
  stoppable?: boolean;
  /**
   * How long each job takes (D1): `baseNs + perByteNs × bytes`, stretched by up to `jitter`.
   * Default `{ baseNs: 1000, perByteNs: 0, jitter: 0 }`.
   */
  latency?: LatencyOptions;
  /** Reset request to effective reset, ns (D3, D4). Default 10000. */
  resetNs?: number;
  /** STOP to ACK, ns. Default 1000. */
  ackNs?: number;
  /**
   * Per-job fault probabilities and the STOP/ACK behaviour (D2, D3). Default none:
   * `{ hang: 0, slow: 0, lostIrq: 0, ack: 'ok' }`.
   */
  faults?: FaultOptions;
  /** A name for traces and reports. Default "dev<N>". */
  name?: string;
}

export interface LoseOptions {
  /** Aborting rejects the returned promise with the signal's reason; the loss goes on. */
  signal?: AbortSignal;
}

export type InjectKind = 'hang' | 'slow' | 'lostIrq' | 'noAck';
const INJECT_KINDS: readonly InjectKind[] = ['hang', 'slow', 'lostIrq', 'noAck'];
const ACK_MODES = ['ok', 'delayed', 'never'] as const;

const DEVICE_KEYS = ['stoppable', 'latency', 'resetNs', 'ackNs', 'faults', 'name'] as const;
const LATENCY_KEYS = ['baseNs', 'perByteNs', 'jitter'] as const;
const FAULT_KEYS = ['hang', 'slow', 'lostIrq', 'ack'] as const;

function prob(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be a probability in [0, 1], got ${describe(v)}`);
  return v;
}

function ns(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be a finite number of ns >= 0, got ${describe(v)}`);
  return v;
}

/**
 * A modeled DMA device (D1-D4), from `rt.createDevice(opts)`: each of its rings is one engine.
 * Jobs take `baseNs + perByteNs × bytes` (D1); a stoppable device ACKs STOP within ackNs (D2); a
 * reset takes resetNs to be effective (D3, D4); faults are seeded per job or armed with
 * `inject()`. Its options are readable as fields. Every member throws ERR_DISPOSED after
 * `rt.dispose()`.
 *
 * @example
 * ```ts
 * const dev = rt.createDevice({ stoppable: true, latency: { baseNs: 1000 }, faults: { hang: 0.01 } });
 * const ring = rt.createRing({ device: dev, timeoutNs: 5e6 });
 * dev.inject('hang');                                  // the next job hangs; R6 resets the ring
 * await dev.lose();                                    // T6: every ring resets, every fence signals
 * ```
 */
export class DmaDevice {
  readonly #name: string;
  readonly #stoppable: boolean;
  readonly #baseNs: number;
  readonly #perByteNs: number;
  readonly #jitter: number;
  readonly #resetNs: number;
  readonly #ackNs: number;
  readonly #pHang: number;
  readonly #pSlow: number;
  readonly #pLostIrq: number;
  readonly #ack: 'ok' | 'delayed' | 'never';
  /** Its engines: the indices of the rings attached (Runtime.createRing adds to it). */
  readonly #engines: number[] = [];
  /** Every ring of the runtime by index, to reach its engines' handlers. */
  readonly #rings: readonly RingInterrupts[];
  #lost = false;
  readonly #life: Lifetime;

  /** @internal Made by Runtime.createDevice. */
  constructor(opts: unknown, index: number, life: Lifetime, rings: readonly RingInterrupts[]) {
    this.#life = life;
    this.#rings = rings;
    const o = checkOptions('device options', opts, DEVICE_KEYS) as DeviceOptions;
    const lat = checkOptions('latency', o.latency, LATENCY_KEYS) as LatencyOptions;
    const faults = checkOptions('faults', o.faults, FAULT_KEYS) as FaultOptions;
    const stoppable = checkBoolean('stoppable', o.stoppable, true);
    if (o.name !== undefined && typeof o.name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(o.name)}`);
    const ack = faults.ack === undefined ? 'ok' : checkEnum('faults.ack', faults.ack, ACK_MODES);
    // Every check before any field is set: a refused device leaves nothing behind.
    const baseNs = ns('latency.baseNs', lat.baseNs, 1000);
    const perByteNs = ns('latency.perByteNs', lat.perByteNs, 0);
    const jitter = prob('latency.jitter', lat.jitter);
    const resetNs = ns('resetNs', o.resetNs, 10_000);
    const ackNs = ns('ackNs', o.ackNs, 1_000);
    const pHang = prob('faults.hang', faults.hang);
    const pSlow = prob('faults.slow', faults.slow);
    const pLostIrq = prob('faults.lostIrq', faults.lostIrq);
    this.#name = o.name ?? `dev${index}`;
    this.#stoppable = stoppable;
    this.#baseNs = baseNs;
    this.#perByteNs = perByteNs;
    this.#jitter = jitter;
    this.#resetNs = resetNs;
    this.#ackNs = ackNs;
    this.#pHang = pHang;
    this.#pSlow = pSlow;
    this.#pLostIrq = pLostIrq;
    this.#ack = ack;
    Object.freeze(this);
  }

  /** A name for traces and reports. */
  get name(): string {
    this.#life.check();
    return this.#name;
  }
  /** Honours STOP (D2). */
  get stoppable(): boolean {
    this.#life.check();
    return this.#stoppable;
  }
  /** Fixed part of a job's duration, ns. */
  get baseNs(): number {
    this.#life.check();
    return this.#baseNs;
  }
  /** Per byte written, ns. */
  get perByteNs(): number {
    this.#life.check();
    return this.#perByteNs;
  }
  /** 0..1: the largest seeded stretch of a duration. */
  get jitter(): number {
    this.#life.check();
    return this.#jitter;
  }
  /** Reset request to effective reset, ns. */
  get resetNs(): number {
    this.#life.check();
    return this.#resetNs;
  }
  /** STOP to ACK, ns. */
  get ackNs(): number {
    this.#life.check();
    return this.#ackNs;
  }
  /** Per-job probability of a hang. */
  get pHang(): number {
    this.#life.check();
    return this.#pHang;
  }
  /** Per-job probability of a slow job. */
  get pSlow(): number {
    this.#life.check();
    return this.#pSlow;
  }
  /** Per-job probability of a lost interrupt. */
  get pLostIrq(): number {
    this.#life.check();
    return this.#pLostIrq;
  }
  /** How the device answers STOP: 'ok', 'delayed' or 'never'. */
  get ack(): 'ok' | 'delayed' | 'never' {
    this.#life.check();
    return this.#ack;
  }
  /** True once lose() was called: its rings cannot restart. */
  get lost(): boolean {
    this.#life.check();
    return this.#lost;
  }

  /** @internal The configuration without the dispose check, for its rings. */
  get _config() {
    return {
      name: this.#name, stoppable: this.#stoppable, baseNs: this.#baseNs, perByteNs: this.#perByteNs, jitter: this.#jitter,
      resetNs: this.#resetNs, ackNs: this.#ackNs, pHang: this.#pHang, pSlow: this.#pSlow, pLostIrq: this.#pLostIrq, ack: this.#ack,
    };
  }
  /** @internal A ring on this device: its engine index (Runtime.createRing). */
  _addEngine(index: number): void {
    this.#engines.push(index);
  }
  /** @internal */
  get _lost(): boolean {
    return this.#lost;
  }
  /**
   * Arms a fault on demand (D3): 'hang' | 'slow' | 'lostIrq' for the next job each of its rings
   * starts; 'noAck' for the next STOP each of its rings receives (an inject bit, like the others). Any other kind: ERR_INVALID_ARG, nothing armed.
   */
  inject(kind: InjectKind): void {
    this.#life.check();
    const k = checkEnum('kind', kind, INJECT_KINDS);
    for (const e of this.#engines) this.#rings[e].inject(k);
  }

  /**
   * T6: the device is lost. Every ring resets; once the reset is effective every fence of theirs is
   * signaled (so every wait completes) and their completed seqno reads as the maximum. A dropped
   * ring is left as it is. Aborting `signal` rejects the promise (with its reason); the loss goes
   * on. Dispose rejects it with ERR_DISPOSED.
   */
  lose(opts?: LoseOptions): Promise<void> {
    try {
      this.#life.check();
      const o = checkOptions('lose options', opts, ['signal']);
      const signal = checkAbortSignal(o.signal);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      this.#lost = true;
      const done = Promise.all(this.#engines.map((e) => this.#rings[e].deviceLost())).then(() => undefined);
      return this.#life.settle(done, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
