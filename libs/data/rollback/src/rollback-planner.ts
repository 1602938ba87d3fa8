import type { ConsumerGroupRollback } from './kafka/consumer-group.admin';
import type { RollbackAction, RollbackPlan, RollbackRequest } from './rollback.types';

/** What no version of this tool touches yet; printed with every plan so nothing is silently skipped. */
const NOT_COVERED = [
  'ClickHouse analytics tables (no trim or snapshot restore yet)',
  'Weaviate collections (no purge or backup restore yet)',
  'migrator checkpoints (data_migration_state, migration_checkpoints)',
  'Kubernetes workloads and images',
];

/** The key of a request: a re-run of the same request resumes the same recorded run. */
export function requestKey(request: RollbackRequest): string {
  return [request.to.toISOString(), [...request.groups].sort().join(','), [...request.targets].sort().join(',')].join('|');
}

/** Reads live state and builds the ordered actions; changes nothing. */
export class RollbackPlanner {
  constructor(private readonly kafka: ConsumerGroupRollback) {}

  async plan(request: RollbackRequest): Promise<RollbackPlan> {
    const actions: RollbackAction[] = [];
    const untouched = [...NOT_COVERED];
    if (request.targets.includes('kafka')) {
      for (const groupId of request.groups) {
        const groupActions = await this.kafka.planGroup(groupId, request.to);
        if (groupActions.length === 0) untouched.push(`consumer group '${groupId}': no committed offsets, nothing to reset`);
        actions.push(...groupActions);
      }
    }
    return { to: request.to.toISOString(), targets: request.targets, groups: request.groups, actions, untouched };
  }
}
