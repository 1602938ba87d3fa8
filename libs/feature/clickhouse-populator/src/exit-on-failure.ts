import type { RunningService } from '@mch/nest-bootstrap';
import { PopulatorRunner } from './populator.runner';

/** How long the close may take before the process exits anyway (a handle outliving it). */
const CLOSE_GRACE_MS = 15_000;

/**
 * The populator service's afterListen: once its runner has failed, the app is closed (the shutdown
 * hooks stop the loop, the producer and the pools) and the process exits with code 1, so the pod's
 * last state reads "failed" and Kubernetes restarts it; it resumes from the committed offsets.
 */
export async function exitOnPopulatorFailure(service: RunningService): Promise<void> {
  void service.app.get(PopulatorRunner).failed.then(async () => {
    process.exitCode = 1;
    // Unreferenced: it ends a process that a leftover handle would keep alive, and nothing else.
    setTimeout(() => process.exit(1), CLOSE_GRACE_MS).unref();
    await service.app.close().catch((error: unknown) => service.logger.error('closing the app after the failure failed', { error }));
  });
}
