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

/** How long a job takes on the device: a fixed part plus a part per byte, with jitter (`DeviceOptions.latency`). */
export interface LatencyOptions {
  /** Fixed part of a job's duration, ns. Default 1000. */
  baseNs?: number;
  /** Per byte written, ns. Default 0. */
  perByteNs?: number;
  /** 0..1: each duration is stretched by a seeded fraction up to this. Default 0. */
  jitter?: number;
}

/** Faults the device draws per job with the runtime's seed (`DeviceOptions.faults`, D3). */
export interface FaultOptions {
  /** Per-job probability that the job never completes. */
  hang?: number;
  /** Per-job probability that the job takes SLOW_FACTOR (10) times as long. */
  slow?: number;
  /** Per-job probability that the completion raises no interrupt (the driver polls writeback). */
  lostIrq?: number;
  /** How the device answers STOP: 'ok' after ackNs, 'delayed' after 20 × ackNs, 'never'. */
  ack?: 'ok' | 'delayed' | 'never';
  /**
   * Per-job probability that the device finishes the job (its DMA is done) but loses its
   * write-back: the writeback word does not move and no interrupt is raised, so polling finds
   * nothing either (unlike lostIrq). A later completion's write-back covers it (in order); if none
   * comes, the timeout handler (R6) resets the ring. Default 0.
   */
  lostWriteback?: number;
}

/** Options of `rt.createDevice()`: the modeled DMA device (D1-D4) and how it misbehaves. */
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
   * What STOP does to the running job (D2): 'abort' (default) stops it where it is, then ACKs;
   * 'finish' lets it complete (write-back, interrupt), then ACKs; a hung job then never ACKs.
   */
  stopMode?: 'abort' | 'finish';
  /**
   * A device that ACKs before its DMA engine finished its last burst: after the ACK, the job it
   * aborted still writes its remaining bytes this long later, ns. The driver cannot see it (the
   * ACK says idle); T1/M2 judge what it writes. Default 0 (the ACK is the truth).
   */
  writesAfterAckNs?: number;
  /**
   * A reset that takes far longer than promised: it is effective `resetNs + resetOverrunNs` after
   * the request, while the device still promises `resetNs` (the `resetNs` field the driver
   * reads). Until effective the device still executes and writes (D4). Default 0.
   */
  resetOverrunNs?: number;
  /**
   * Per-job fault probabilities and the STOP/ACK behaviour (D2, D3). Default none:
   * `{ hang: 0, slow: 0, lostIrq: 0, ack: 'ok' }`.
   */
  faults?: FaultOptions;
  /** A name for traces and reports. Default "dev<N>". */
  name?: string;
}

/** Options of `device.lose()`. */
export interface LoseOptions {
  /** Aborting rejects the returned promise with the signal's reason; the loss goes on. */
  signal?: AbortSignal;
}

/** A fault `device.inject()` arms for the next job (or the next STOP: 'noAck') (D3). */
export type InjectKind = 'hang' | 'slow' | 'lostIrq' | 'noAck' | 'lostWriteback';
const INJECT_KINDS: readonly InjectKind[] = ['hang', 'slow', 'lostIrq', 'noAck', 'lostWriteback'];
const ACK_MODES = ['ok', 'delayed', 'never'] as const;
const STOP_MODES = ['abort', 'finish'] as const;

export const DEVICE_KEYS = ['stoppable', 'latency', 'resetNs', 'ackNs', 'stopMode', 'writesAfterAckNs', 'resetOverrunNs', 'faults', 'name'] as const;
const LATENCY_KEYS = ['baseNs', 'perByteNs', 'jitter'] as const;
const FAULT_KEYS = ['hang', 'slow', 'lostIrq', 'ack', 'lostWriteback'] as const;

/** A device's configuration, checked, with its defaults (what its rings copy into the arena). */
export interface DeviceConfigFull {
  name: string | undefined;
  stoppable: boolean;
  baseNs: number;
  perByteNs: number;
  jitter: number;
  resetNs: number;
  ackNs: number;
  stopMode: 'abort' | 'finish';
  writesAfterAckNs: number;
  resetOverrunNs: number;
  pHang: number;
  pSlow: number;
  pLostIrq: number;
  pLostWriteback: number;
  ack: 'ok' | 'delayed' | 'never';
}

/**
 * Checks device options; every error names the bad field under `path` (e.g. `devices[1].ackNs`;
 * path '' names it bare). `extraKeys` are keys a caller allows beside the device's own.
 */
export function parseDeviceOptions(opts: unknown, path = '', extraKeys: readonly string[] = []): DeviceConfigFull {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  const o = checkOptions(path || 'device options', opts, [...DEVICE_KEYS, ...extraKeys]) as DeviceOptions;
  const lat = checkOptions(at('latency'), o.latency, LATENCY_KEYS) as LatencyOptions;
  const faults = checkOptions(at('faults'), o.faults, FAULT_KEYS) as FaultOptions;
  if (o.name !== undefined && typeof o.name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${at('name')} must be a string, got ${describe(o.name)}`);
  return {
    name: o.name,
    stoppable: checkBoolean(at('stoppable'), o.stoppable, true),
    baseNs: ns(at('latency.baseNs'), lat.baseNs, 1000),
    perByteNs: ns(at('latency.perByteNs'), lat.perByteNs, 0),
    jitter: prob(at('latency.jitter'), lat.jitter),
    resetNs: ns(at('resetNs'), o.resetNs, 10_000),
    ackNs: ns(at('ackNs'), o.ackNs, 1_000),
    stopMode: o.stopMode === undefined ? 'abort' : checkEnum(at('stopMode'), o.stopMode, STOP_MODES),
    writesAfterAckNs: ns(at('writesAfterAckNs'), o.writesAfterAckNs, 0),
    resetOverrunNs: ns(at('resetOverrunNs'), o.resetOverrunNs, 0),
    pHang: prob(at('faults.hang'), faults.hang),
    pSlow: prob(at('faults.slow'), faults.slow),
    pLostIrq: prob(at('faults.lostIrq'), faults.lostIrq),
    pLostWriteback: prob(at('faults.lostWriteback'), faults.lostWriteback),
    ack: faults.ack === undefined ? 'ok' : checkEnum(at('faults.ack'), faults.ack, ACK_MODES),
  };
}

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
 * Jobs take `baseNs + perByteNs × bytes` (D1); a stoppable device ACKs STOP within ackNs,
 * aborting or finishing the running job (stopMode, D2); a reset takes resetNs to be effective
 * (D3, D4); faults are seeded per job or armed with `inject()`. It can misbehave as real ones do:
 * writes after its ACK (writesAfterAckNs), a reset longer than promised (resetOverrunNs), lost
 * write-backs (faults.lostWriteback). Its options are readable as fields. Every member throws
 * ERR_DISPOSED after `rt.dispose()`.
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
  readonly #stopMode: 'abort' | 'finish';
  readonly #writesAfterAckNs: number;
  readonly #resetOverrunNs: number;
  readonly #pLostWriteback: number;
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
    // Every check before any field is set: a refused device leaves nothing behind.
    const c = parseDeviceOptions(opts);
    this.#name = c.name ?? `dev${index}`;
    this.#stoppable = c.stoppable;
    this.#baseNs = c.baseNs;
    this.#perByteNs = c.perByteNs;
    this.#jitter = c.jitter;
    this.#resetNs = c.resetNs;
    this.#ackNs = c.ackNs;
    this.#stopMode = c.stopMode;
    this.#writesAfterAckNs = c.writesAfterAckNs;
    this.#resetOverrunNs = c.resetOverrunNs;
    this.#pHang = c.pHang;
    this.#pSlow = c.pSlow;
    this.#pLostIrq = c.pLostIrq;
    this.#pLostWriteback = c.pLostWriteback;
    this.#ack = c.ack;
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
  /** What STOP does to the running job: 'abort' or 'finish'. */
  get stopMode(): 'abort' | 'finish' {
    this.#life.check();
    return this.#stopMode;
  }
  /** How long the device still writes for the job it aborted after ACKing STOP, ns. */
  get writesAfterAckNs(): number {
    this.#life.check();
    return this.#writesAfterAckNs;
  }
  /** How much longer than the promised resetNs a reset really takes, ns. */
  get resetOverrunNs(): number {
    this.#life.check();
    return this.#resetOverrunNs;
  }
  /** Per-job probability of a lost write-back. */
  get pLostWriteback(): number {
    this.#life.check();
    return this.#pLostWriteback;
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
      stopMode: this.#stopMode, writesAfterAckNs: this.#writesAfterAckNs, resetOverrunNs: this.#resetOverrunNs, pLostWriteback: this.#pLostWriteback,
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
   * Arms a fault on demand (D3): 'hang' | 'slow' | 'lostIrq' | 'lostWriteback' for the next job
   * each of its rings starts; 'noAck' for the next STOP each of its rings receives (an inject
   * bit, like the others). Any other kind: ERR_INVALID_ARG, nothing armed.
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
