// Memory rows of `npm run bench`: arena bytes per in-flight fence and per ring slot, from the
// layout (the same on both backends: one arena layout).

export async function section({ createRuntime, recordValue }) {
  const size = async (o) => (await createRuntime(o)).capacity.arenaBytes;
  const perFence = ((await size({ maxFences: 1 << 17 })) - (await size({ maxFences: 1 << 16 }))) / (1 << 16);
  const perSlot = ((await size({ maxRings: 1, maxRingCapacity: 2048 })) - (await size({ maxRings: 1, maxRingCapacity: 1024 }))) / 1024;
  recordValue('memory: arena bytes per in-flight fence', 'bytes', perFence, { max: 32 });
  recordValue('memory: arena bytes per ring slot (descriptor)', 'bytes', perSlot);
}
