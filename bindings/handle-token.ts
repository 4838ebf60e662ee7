/**
 * The token only the runtime's own makers of fence handles hold (FenceTable.handleOf and
 * FenceContext.createFence, which take the handle's reference). The DmaFence and DriverFence
 * constructors refuse any other caller: a handle made by `new` would hold no reference, and its
 * release would drop someone else's. Not exported from the package.
 */
import { DmaFenceTypeError } from './errors.js';

export const HANDLE_TOKEN: unique symbol = Symbol('dmafence fence handle');

/** Throws the error a `new DmaFence(...)` / `new DriverFence(...)` from outside gets. */
export function throwNotMadeHere(): never {
  throw new DmaFenceTypeError('ERR_INVALID_ARG', 'fence handles are made by the runtime (ctx.createFence(), ring.submit(), fence.share() and attach), not with new');
}
