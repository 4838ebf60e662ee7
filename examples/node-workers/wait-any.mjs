// waitAny for views of other threads' fences. rt.waitAny takes the runtime's own fences
// (DmaFence); the fences a worker emits reach this thread as RemoteFences (view.fence(handle)),
// which answer wait() each: this races those waits.

/**
 * The index of the first of `fences` (RemoteFences) to signal, or -1 after timeoutNs: one
 * fence.wait per fence, the others cancelled once one answers. When several are signaled, the
 * lowest index (as rt.waitAny answers for the runtime's own fences).
 */
export async function waitAny(fences, timeoutNs) {
  const stop = new AbortController();
  try {
    const first = await Promise.race(
      fences.map((f, i) =>
        f.wait({ timeoutNs, signal: stop.signal }).then(
          (ok) => (ok ? i : -1),
          (e) => {
            if (stop.signal.aborted) return -1;
            throw e;
          },
        ),
      ),
    );
    const lowest = fences.findIndex((f) => f.signaled);
    return lowest >= 0 ? lowest : first;
  } finally {
    stop.abort();
  }
}
