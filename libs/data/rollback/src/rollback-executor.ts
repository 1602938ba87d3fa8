import type { Logger } from '@mch/util-logger';
import type { ConsumerGroupRollback } from './kafka/consumer-group.admin';
import { requestKey, type RollbackPlanner } from './rollback-planner';
import type { RollbackRunStore } from './rollback-run.store';
import type { RollbackPlan, RollbackRequest } from './rollback.types';

export interface ApplyResult {
  runId: string;
  plan: RollbackPlan;
  /** True when an interrupted run of the same request was found and completed. */
  resumed: boolean;
  stepsApplied: number;
  stepsSkipped: number;
}

/**
 * Executes a plan step by step, recording each step. Every group is checked idle before the first
 * change, so a refusal leaves offsets and the run table as they were.
 */
export class RollbackExecutor {
  constructor(
    private readonly planner: RollbackPlanner,
    private readonly kafka: ConsumerGroupRollback,
    private readonly runs: RollbackRunStore,
    private readonly logger: Logger,
  ) {}

  async apply(request: RollbackRequest, operator: string): Promise<ApplyResult> {
    await this.kafka.assertIdle(request.groups);
    await this.runs.ensureSchema();
    const key = requestKey(request);
    const unfinished = await this.runs.findUnfinished(key);
    const run = unfinished ?? (await this.runs.start(key, await this.planner.plan(request), operator));
    if (unfinished) this.logger.info('rollback: resuming an unfinished run', { run_id: run.id, done_steps: run.doneSteps.size });

    let applied = 0;
    for (const [stepNo, action] of run.plan.actions.entries()) {
      if (run.doneSteps.has(stepNo)) continue;
      try {
        await this.kafka.apply(action);
      } catch (error) {
        await this.runs.recordError(run.id, `step ${stepNo} (${action.kind} ${action.groupId}/${action.topic}): ${String(error)}`);
        throw error;
      }
      await this.runs.markStepDone(run.id, stepNo);
      applied++;
      this.logger.info('rollback: step done', { run_id: run.id, step: stepNo, kind: action.kind, group: action.groupId, topic: action.topic });
    }
    await this.runs.complete(run.id);
    return { runId: run.id, plan: run.plan, resumed: unfinished !== null, stepsApplied: applied, stepsSkipped: run.doneSteps.size };
  }
}
