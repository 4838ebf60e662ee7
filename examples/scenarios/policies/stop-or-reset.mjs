// A drop policy of your own (T8), written with the protocol's steps: STOP and wait for the ACK;
// if none comes in time, reset and wait until the reset is effective. Only then does the ring
// signal what is left (-ECANCELED) and drop. `dmafence run` imports it from a scenario's
// "policy": "./policies/stop-or-reset.mjs"; `dmafence teardown --policy` takes it too.
export const name = 'stop-or-reset';

export default async function stopOrReset(steps) {
  if ((await steps.stop({ timeoutNs: 20_000 })) === 'timeout') await steps.reset();
  await steps.waitIdle();
}
