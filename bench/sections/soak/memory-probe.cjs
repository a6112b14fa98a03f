/**
 * Preloaded into `aliasgate serve` by the soak (`node --expose-gc --require …`), and nothing else: answers
 * `{type: 'soak-memory', gc?}` on the IPC channel the benchmark opened with process.memoryUsage() and V8's heap
 * spaces — after a full GC only when asked (the soak asks twice: at the end of its first window and at the end).
 * The channel is unref'd, so it never keeps the gateway alive; when the benchmark goes away, the gateway is stopped.
 */
const v8 = require('node:v8');

if (process.send) {
  process.on('message', (msg) => {
    if (msg?.type !== 'soak-memory') return;
    if (msg.gc) {
      globalThis.gc?.();
      globalThis.gc?.();
    }
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
    process.send({
      type: 'soak-memory',
      id: msg.id,
      memory: process.memoryUsage(),
      newSpace: spaces.new_space,
      oldSpace: spaces.old_space,
    });
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.channel?.unref();
}
