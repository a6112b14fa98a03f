/**
 * The launcher side of bench/lib/processes.mjs: say where we listen, answer questions, exit cleanly on `close`
 * (a clean exit is what makes `node --cpu-prof` write its profile). `{type: 'memory'}` is answered with
 * process.memoryUsage() after GC unless `answer` says otherwise.
 * @param {string} url where the server listens
 * @param {{ close?: () => Promise<void>, answer?: (msg: object) => Promise<object> | object, info?: object }} [hooks]
 */
export function announce(url, hooks = {}) {
  if (!process.send) {
    console.log(url);
    return;
  }
  process.on('message', async (msg) => {
    if (msg?.type === 'close') {
      await hooks.close?.();
      process.exit(0);
    }
    const reply = (await hooks.answer?.(msg)) ?? (msg?.type === 'memory' ? { memory: memoryAfterGc() } : {});
    process.send({ ...reply, id: msg.id });
  });
  // the orchestrator went away without asking: do not linger as an orphan holding a port
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', url, pid: process.pid, ...(hooks.info ?? {}) });
}

/** process.memoryUsage() after a full GC when the launcher runs with --expose-gc. */
export function memoryAfterGc() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage();
}
