/**
 * The checks a share handle passes before a view trusts it. Handles prove where they come from:
 * every one carries the runtime's identity (a random id drawn when the arena is created, kept just
 * below its header), and a fence handle names its slot, the slot's generation, the context id and
 * the seqno. Another runtime's handle is ERR_FOREIGN_HANDLE, a malformed one ERR_INVALID_ARG.
 */
import * as L from '../core/layout.js';
import { ArenaViews } from '../arena.js';
import { DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, checkInteger, checkOptions, describe } from '../errors.js';
import { MAX_ID, disposed } from './common.js';

const RUNTIME_KEYS = ['kind', 'memory', 'base', 'runtime', 'wasm'] as const;
const FENCE_KEYS = ['kind', 'runtime', 'slot', 'gen', 'context', 'seqno', 'hold'] as const;

/**
 * A handle's fields, read once each (a getter or a proxy answers only once): a plain object with
 * exactly `keys` (no extra, none missing: the callers type-check each) and the right kind.
 */
function parseHandle(name: string, from: string, h: unknown, keys: readonly string[], kind: string): Record<string, unknown> {
  const bad = () => new DmaFenceTypeError('ERR_INVALID_ARG', `expected ${name} (from ${from}), got ${describe(h)}`);
  if (h === null || typeof h !== 'object' || Array.isArray(h)) throw bad();
  let o: Record<string, unknown>;
  try {
    checkOptions(name, h, keys);
    o = {};
    for (const k of keys) o[k] = (h as Record<string, unknown>)[k];
  } catch (e) {
    if (e instanceof DmaFenceTypeError) throw e;
    throw bad();
  }
  if (o.kind !== kind) throw new DmaFenceTypeError('ERR_INVALID_ARG', `expected ${name} (from ${from}), got kind ${describe(o.kind)}`);
  return o;
}

/**
 * @internal attachRuntime's checks: the handle well formed (ERR_INVALID_ARG), on shared memory
 * (ERR_NOT_ISOLATED), naming the runtime in its memory (ERR_FOREIGN_HANDLE), not disposed
 * (ERR_DISPOSED). Returns the arena's views and the runtime's id.
 */
export function checkRuntimeHandle(handle: unknown): { views: ArenaViews; id: number; wasm: WebAssembly.Module | null } {
  const o = parseHandle('a shared runtime handle', 'rt.share()', handle, RUNTIME_KEYS, 'dmafence/runtime');
  if (typeof SharedArrayBuffer !== 'function') {
    throw new DmaFenceError('ERR_NOT_ISOLATED', 'attachRuntime needs the runtime on a SharedArrayBuffer (cross-origin isolation in browsers)');
  }
  const memory = o.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `handle.memory must be the runtime's WebAssembly.Memory, got ${describe(memory)}`);
  const buffer: ArrayBufferLike = memory.buffer;
  const size = buffer.byteLength;
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new DmaFenceError('ERR_NOT_ISOLATED', 'attachRuntime needs the runtime on a SharedArrayBuffer (cross-origin isolation in browsers)');
  }
  const base = checkInteger('handle.base', o.base, L.IDENTITY_SIZE, size - L.HEADER_SIZE);
  if (base % L.ALIGN) throw new DmaFenceRangeError('ERR_INVALID_ARG', `handle.base must be a multiple of ${L.ALIGN}, got ${base}`);
  const runtime = checkInteger('handle.runtime', o.runtime, 0, MAX_ID);
  const wasm = o.wasm;
  if (wasm !== null && !(wasm instanceof WebAssembly.Module)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `handle.wasm must be the runtime's WebAssembly.Module or null, got ${describe(wasm)}`);
  const views = new ArenaViews(memory, base);
  if (!views.holdsArena()) {
    throw new DmaFenceRangeError('ERR_INVALID_ARG', 'that memory holds no dmafence arena of this version at handle.base');
  }
  const id = views.id;
  if (id !== runtime) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'that handle names another runtime than the one in its memory (it was not made by rt.share())');
  if (Atomics.load(views.i32, views.word(L.H_DISPOSED)) !== 0) throw disposed();
  return { views, id, wasm };
}

/**
 * @internal view.fence's checks on the handle itself: well formed (ERR_INVALID_ARG), this
 * runtime's (ERR_FOREIGN_HANDLE, `id`), a slot below `maxFences`. Whether the arena holds the
 * fence it names is the view's to check.
 */
export function parseFenceHandle(h: unknown, id: number, maxFences: number): { slot: number; gen: number; context: number; seqno: number; hold: number } {
  const o = parseHandle('a shared fence handle', 'fence.share()', h, FENCE_KEYS, 'dmafence/fence');
  const runtime = checkInteger('handle.runtime', o.runtime, 0, MAX_ID);
  if (runtime !== id) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'that fence handle was shared by another runtime, not the one this view is attached to');
  const slot = checkInteger('handle.slot', o.slot, 0, maxFences - 1);
  const gen = checkInteger('handle.gen', o.gen, 0, 0xffffffff);
  const context = checkInteger('handle.context', o.context, 0, 0xffffffff);
  const seqno = checkInteger('handle.seqno', o.seqno, 0, Number.MAX_SAFE_INTEGER);
  const hold = o.hold === undefined ? -1 : checkInteger('handle.hold', o.hold, 0, Number.MAX_SAFE_INTEGER);
  return { slot, gen, context, seqno, hold };
}
