import type { RollbackParticipant } from './rollback-participant';
import { ROLLBACK_TARGETS, type RollbackAction, type RollbackPlan, type RollbackRequest } from './rollback.types';

/** The key of a request: a re-run of the same request resumes the same recorded run. */
export function requestKey(request: RollbackRequest): string {
  const parts = [request.to.toISOString(), [...request.groups].sort().join(','), [...request.targets].sort().join(',')];
  // Appended only when set, so the key of a plain timestamp request is what it always was.
  if (request.restorePoint) parts.push(`point=${request.restorePoint.name}`);
  if (request.entities) parts.push(`entities=${[...request.entities].sort().join(',')}`);
  return parts.join('|');
}

/** Reads live state through every requested participant and builds the ordered actions; changes nothing. */
export class RollbackPlanner {
  constructor(private readonly participants: readonly RollbackParticipant[]) {}

  async plan(request: RollbackRequest): Promise<RollbackPlan> {
    const actions: RollbackAction[] = [];
    const untouched: string[] = [];
    for (const target of ROLLBACK_TARGETS) {
      const participant = this.participants.find((p) => p.target === target);
      if (!request.targets.includes(target)) {
        untouched.push(`${target}: not among --targets`);
      } else if (participant === undefined) {
        untouched.push(`${target}: not available in this command`);
      } else {
        const part = await participant.plan(request);
        actions.push(...part.actions);
        untouched.push(...part.untouched);
      }
    }
    // Stable sort: the phase order is the safe "rollback all" order; within a phase, participant order.
    actions.sort((a, b) => a.phase - b.phase);
    return { to: request.to.toISOString(), targets: request.targets, groups: request.groups, actions, untouched };
  }
}
