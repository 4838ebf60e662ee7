// The virtual-clock pipeline every pipeline benchmark measures (the table's rows in core.mjs, and
// the scripts that split or compare them): one runtime, one device of 1 µs a job plus 0.25 ns a
// byte, and `rings` rings of 1,024 slots on it, fed alike (the 8-ring rows are the tied pass's).

/** `createRuntime` is a build's (each script may load two); returns { rt, rs }. */
export async function pipelineRuntime(createRuntime, backend, rings) {
  const rt = await createRuntime({ backend, maxFences: 16384, maxRings: 8, maxRingCapacity: 1024, dmaBytes: 1 << 16 });
  const dev = rt.createDevice({ latency: { baseNs: 1000, perByteNs: 0.25 } });
  const rs = [];
  for (let i = 0; i < rings; i++) rs.push(rt.createRing({ device: dev, capacity: 1024 }));
  return { rt, rs };
}
