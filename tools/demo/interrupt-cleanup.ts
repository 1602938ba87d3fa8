/**
 * Work to undo when the demo or a bench is stopped with Ctrl-C (SIGINT) or SIGTERM: services it
 * started in sessions of their own (a terminal's Ctrl-C does not reach them), the capture slot that
 * would hold WAL back on the shared stack, the stores' lowered priority. Node's default for these
 * signals is to exit at once, skipping every `finally`.
 *
 * One handler runs the registered cleanups, newest first, each awaited, then stops the process with
 * the same signal (exit status 128 + n, as a shell expects). A second signal while they run stops
 * it at once.
 */
type Cleanup = () => void | Promise<void>;

const cleanups: Cleanup[] = [];
let running = false;

async function interrupted(signal: NodeJS.Signals): Promise<void> {
  if (running) {
    process.kill(process.pid, 'SIGKILL');
    return;
  }
  running = true;
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error(`cleanup after ${signal} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  process.kill(process.pid, signal);
}

/** Registers a cleanup for SIGINT/SIGTERM; the returned function unregisters it (the normal path ran it). */
export function onInterrupt(cleanup: Cleanup): () => void {
  if (cleanups.length === 0 && !running) process.on('SIGINT', interrupted).on('SIGTERM', interrupted);
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
    if (cleanups.length === 0 && !running) process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  };
}
