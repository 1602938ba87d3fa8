import type { MarkRequest, RollbackAction, RollbackPlan, RollbackRequest, RollbackTarget } from './rollback.types';

/** What one participant contributes to a plan. */
export interface ParticipantPlan {
  actions: RollbackAction[];
  /** What this target deliberately leaves alone (printed with the plan). */
  untouched: string[];
}

/**
 * One store or system a rollback acts on (Kafka consumer groups, ClickHouse, Weaviate, the migrator's
 * checkpoints, Kubernetes). The planner asks each requested participant for its actions; the executor
 * hands each recorded action back to the participant of its `target`.
 */
export interface RollbackParticipant {
  readonly target: RollbackTarget;
  /** Reads live state and returns the actions (each with `target` and a `phase`); changes nothing. */
  plan(request: RollbackRequest): Promise<ParticipantPlan>;
  /**
   * Checked for every participant of the plan before the run is recorded or anything changes; throws a
   * PreconditionFailed DomainException naming what is in the way (e.g. a group's live members). The
   * whole plan is passed so a participant can account for actions of others (e.g. consumers the plan
   * itself suspends first).
   */
  preflight(request: RollbackRequest, plan: RollbackPlan): Promise<void>;
  /** Executes one of its own actions. Must be idempotent: a re-run after SIGKILL repeats the step. */
  apply(action: RollbackAction, request: RollbackRequest): Promise<void>;
  /**
   * `rollback mark <name>`: records what this target needs to return to this instant later (offsets,
   * a ClickHouse snapshot, a Weaviate backup id, checkpoints, workload images); JSON-serialisable.
   * Stored in the restore point under this participant's target and handed back in `request.restorePoint`.
   * `request` (the groups and targets of `rollback mark`) may be ignored by targets that need neither.
   * Participants are marked in ROLLBACK_TARGETS order after kafka: offsets are read first, so every
   * store snapshot taken after them holds at least what those offsets had consumed (a replay from the
   * offsets then only repeats idempotent writes).
   */
  mark?(name: string, takenAt: Date, request?: MarkRequest): Promise<unknown>;
}
