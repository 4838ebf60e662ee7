// The teardown matrix, run in the page: every built-in device kind × drop policy × guarantee level,
// a small ring each (virtual clock, its own runtime), drawn by the library's heat map.

export function mountMatrix(el, { runTeardownMatrix, teardownMatrixSvg, backend }) {
  const status = el.querySelector('.status');
  const picture = el.querySelector('.picture');
  const button = el.querySelector('button.rerun');
  let seed = 1;
  const JOBS = 32; // 16 submitted: a full ring at the drop

  async function run() {
    button.disabled = true;
    const t0 = performance.now();
    status.textContent = 'running…';
    try {
      const rows = await runTeardownMatrix({ backend, seed, jobs: JOBS }, (_r, i, total) => {
        status.textContent = `running ${i} of ${total} teardowns…`;
      });
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      picture.innerHTML = teardownMatrixSvg(rows, 'teardown matrix: corruptions + unsignaled fences', `${rows[0].jobs} jobs of 4 KiB per run, ring dropped while busy, driver bug before the drop; seed ${seed}, ${backend} core`);
      const clean = rows.filter((r) => r.corruptions + r.unsignaled + r.prematureSignals === 0 && !r.deadlock).length;
      status.textContent = `${rows.length} teardowns in ${secs} s (seed ${seed}): ${clean} clean, ${rows.length - clean} broke a rule.`;
      el.dataset.state = 'done';
    } catch (e) {
      status.textContent = `the matrix failed: ${e.message}`;
      el.dataset.state = 'failed';
    }
    button.disabled = false;
  }
  button.onclick = () => {
    seed++;
    run();
  };
  return run();
}
