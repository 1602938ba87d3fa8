import type { Logger } from '@mch/util-logger';
import type { RollbackParticipant } from './rollback-participant';
import { requestKey, type RollbackPlanner } from './rollback-planner';
import type { RollbackRunStore } from './rollback-run.store';
import type { RollbackAction, RollbackPlan, RollbackRequest } from './rollback.types';

export interface ApplyResult {
  runId: string;
  plan: RollbackPlan;
  /** True when an interrupted run of the same request was found and completed. */
  resumed: boolean;
  stepsApplied: number;
  stepsSkipped: number;
}

/**
 * Executes a plan step by step, recording each step. Every participant's preflight runs before the
 * run is recorded, so a refusal leaves the stores and the run table as they were.
 */
export class RollbackExecutor {
  constructor(
    private readonly planner: RollbackPlanner,
    private readonly participants: readonly RollbackParticipant[],
    private readonly runs: RollbackRunStore,
    private readonly logger: Logger,
  ) {}

  async apply(request: RollbackRequest, operator: string): Promise<ApplyResult> {
    await this.runs.ensureSchema();
    const key = requestKey(request);
    const unfinished = await this.runs.findUnfinished(key);
    // A resumed run keeps the plan recorded at its start: re-planning after partial steps would read moved state.
    const plan = unfinished?.plan ?? (await this.planner.plan(request));
    for (const participant of this.participantsOf(plan)) await participant.preflight(request, plan);
    const run = unfinished ?? (await this.runs.start(key, plan, operator));
    if (unfinished) this.logger.info('rollback: resuming an unfinished run', { run_id: run.id, done_steps: run.doneSteps.size });

    let applied = 0;
    for (const [stepNo, action] of run.plan.actions.entries()) {
      if (run.doneSteps.has(stepNo)) continue;
      try {
        await this.participantFor(action).apply(action, request);
      } catch (error) {
        await this.runs.recordError(run.id, `step ${stepNo} (${action.kind}: ${action.summary}): ${String(error)}`);
        throw error;
      }
      await this.runs.markStepDone(run.id, stepNo);
      applied++;
      this.logger.info('rollback: step done', { run_id: run.id, step: stepNo, kind: action.kind, summary: action.summary });
    }
    await this.runs.complete(run.id);
    return { runId: run.id, plan: run.plan, resumed: unfinished !== null, stepsApplied: applied, stepsSkipped: run.doneSteps.size };
  }

  private participantsOf(plan: RollbackPlan): RollbackParticipant[] {
    return this.participants.filter((p) => plan.targets.includes(p.target));
  }

  private participantFor(action: RollbackAction): RollbackParticipant {
    const participant = this.participants.find((p) => p.target === action.target);
    if (participant === undefined) throw new Error(`no rollback participant for target '${action.target}' (action ${action.kind})`);
    return participant;
  }
}
