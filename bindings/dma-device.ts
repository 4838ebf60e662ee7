/**
 * DmaDevice: the modeled DMA device (D1-D4). Its configuration is copied into the arena words of
 * every ring (engine) attached to it, where the core's engine reads it; this object keeps the
 * configuration, arms faults on demand, and reports device loss (T6).
 *
 * Contract: driver thread only. Resets are per engine: a ring's timeout resets that ring's engine.
 */
import { DmaFenceTypeError, checkOptions, describe } from './errors.js';
import type { HwRing } from './hw-ring.js';
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
  latency?: LatencyOptions;
  /** Reset request to effective reset, ns (D3, D4). Default 10000. */
  resetNs?: number;
  /** STOP to ACK, ns. Default 1000. */
  ackNs?: number;
  faults?: FaultOptions;
  /** A name for traces and reports. Default "dev<N>". */
  name?: string;
}

export type InjectKind = 'hang' | 'slow' | 'lostIrq' | 'noAck';


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

export class DmaDevice {
  readonly name: string;
  readonly stoppable: boolean;
  readonly baseNs: number;
  readonly perByteNs: number;
  readonly jitter: number;
  readonly resetNs: number;
  readonly ackNs: number;
  readonly pHang: number;
  readonly pSlow: number;
  readonly pLostIrq: number;
  readonly ack: 'ok' | 'delayed' | 'never';
  /** @internal the rings (engines) attached */
  readonly rings: HwRing[] = [];
  /** @internal STOPs that will not be ACKed (inject('noAck')) */
  _noAck = 0;
  #lost = false;
  readonly #life: Lifetime;

  /** @internal Made by Runtime.createDevice. */
  constructor(opts: unknown, index: number, life: Lifetime) {
    this.#life = life;
    const o = checkOptions('device options', opts) as DeviceOptions;
    const lat = checkOptions('latency', o.latency) as LatencyOptions;
    const faults = checkOptions('faults', o.faults) as FaultOptions;
    if (o.stoppable !== undefined && typeof o.stoppable !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `stoppable must be a boolean, got ${describe(o.stoppable)}`);
    if (o.name !== undefined && typeof o.name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(o.name)}`);
    if (faults.ack !== undefined && !['ok', 'delayed', 'never'].includes(faults.ack)) {
      throw new DmaFenceTypeError('ERR_INVALID_ARG', `faults.ack must be 'ok', 'delayed' or 'never', got ${describe(faults.ack)}`);
    }
    this.name = o.name ?? `dev${index}`;
    this.stoppable = o.stoppable ?? true;
    this.baseNs = ns('latency.baseNs', lat.baseNs, 1000);
    this.perByteNs = ns('latency.perByteNs', lat.perByteNs, 0);
    this.jitter = prob('latency.jitter', lat.jitter);
    this.resetNs = ns('resetNs', o.resetNs, 10_000);
    this.ackNs = ns('ackNs', o.ackNs, 1_000);
    this.pHang = prob('faults.hang', faults.hang);
    this.pSlow = prob('faults.slow', faults.slow);
    this.pLostIrq = prob('faults.lostIrq', faults.lostIrq);
    this.ack = faults.ack ?? 'ok';
  }

  /** True once lose() was called: its rings cannot restart. */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Arms a fault on demand (D3): 'hang' | 'slow' | 'lostIrq' for the next job each of its rings
   * starts; 'noAck' for the next STOP it receives.
   */
  inject(kind: InjectKind): void {
    this.#life.check();
    if (kind === 'noAck') {
      this._noAck++;
      return;
    }
    if (kind !== 'hang' && kind !== 'slow' && kind !== 'lostIrq') {
      throw new DmaFenceTypeError('ERR_INVALID_ARG', `inject takes 'hang', 'slow', 'lostIrq' or 'noAck', got ${describe(kind)}`);
    }
    for (const r of this.rings) r._inject(kind);
  }

  /**
   * T6: the device is lost. Every ring resets; once the reset is effective every fence of theirs is
   * signaled (so every wait completes) and their completed seqno reads as the maximum.
   */
  lose(): Promise<void> {
    this.#lost = true;
    return Promise.all(this.rings.map((r) => r._deviceLost())).then(() => undefined);
  }
}
