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
  /**
   * Why it is not ready, as a stable code an alert can match (e.g. `replication_slot_lost`);
   * absent while ready or merely starting.
   */
  reason?: string;
  /** What an operator must do to make it ready again, when waiting will not. */
  action?: string;
}

export interface ServiceReadiness {
  readiness(): ServiceReadinessState;
}

/** The readiness answer's `service` part: the details, with reason and action when set. */
export function readinessDetails(state: ServiceReadinessState): Record<string, unknown> {
  return {
    ...state.details,
    ...(state.reason !== undefined ? { reason: state.reason } : {}),
    ...(state.action !== undefined ? { action: state.action } : {}),
  };
}
