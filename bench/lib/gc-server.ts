/**
 * The chat server (api/src/main.ts) with a way for the bench to measure it:
 * started with --expose-gc and an IPC channel, it answers `'gc'` with its
 * memory after two full collections. Only the bench starts it this way; the
 * server itself has no such hook.
 */
process.channel?.unref();
process.on('message', (message) => {
  if (message !== 'gc' || !globalThis.gc) return;
  globalThis.gc();
  globalThis.gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  process.send!({ rssKiB: rss / 1024, heapKiB: heapUsed / 1024, externalKiB: external / 1024 });
});
await import('../../api/src/main.ts');

export {};
