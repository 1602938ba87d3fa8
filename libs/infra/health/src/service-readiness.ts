/**
 * A service's own readiness beside its stores': a streamer whose work has not started (or has
 * stopped on an error) must not look ready just because its stores answer. A feature module
 * provides SERVICE_READINESS (useExisting: its runner) and /health/ready reports it as `service`.
 */
export const SERVICE_READINESS = Symbol.for('mch.service-readiness');

export interface ServiceReadinessState {
  ready: boolean;
  /** Shown in the readiness answer: what the service is doing, or why it is not ready. */
  details: Record<string, unknown>;
}

export interface ServiceReadiness {
  readiness(): ServiceReadinessState;
}
