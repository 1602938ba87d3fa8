import type { Admin } from 'kafkajs';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { ParticipantPlan, RollbackParticipant } from '../rollback-participant';
import {
  ROLLBACK_PHASES,
  type KafkaResetGroupOffsetsAction,
  type MarkRequest,
  type RollbackAction,
  type RollbackPlan,
  type RollbackRequest,
} from '../rollback.types';

/** What a restore point keeps for Kafka: each group's committed offsets (null: no commit on that partition). */
export interface KafkaRestorePointState {
  groups: { groupId: string; topics: { topic: string; partitions: { partition: number; offset: string | null }[] }[] }[];
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
}

/**
 * Kafka consumer-group side of a rollback: read committed offsets, compute the reset-to-timestamp
 * offsets, refuse while members are live, and set offsets. Absolute offsets make apply idempotent.
 */
export class ConsumerGroupRollback implements RollbackParticipant {
  readonly target = 'kafka' as const;

  constructor(
    private readonly admin: Admin,
    /** How long apply waits for a group's members to leave (consumers the plan suspended are terminating). */
    private readonly idleWaitMs = 120_000,
    /**
     * The Kafka client id of the rollback itself. kafkajs's setOffsets joins the group for a moment
     * under this id; an apply killed in that moment leaves a member behind until the group's session
     * timeout. A resumed run waits such members out instead of refusing.
     */
    private readonly ownClientId?: string,
  ) {}

  async plan(request: RollbackRequest): Promise<ParticipantPlan> {
    const actions: KafkaResetGroupOffsetsAction[] = [];
    const untouched: string[] = [];
    const recorded = request.restorePoint?.state.kafka as KafkaRestorePointState | undefined;
    for (const groupId of request.groups) {
      const groupActions = recorded
        ? await this.planGroupToRecorded(groupId, recorded, request.restorePoint?.name as string)
        : await this.planGroup(groupId, request.to);
      if (groupActions.length === 0) untouched.push(`consumer group '${groupId}': no committed offsets, nothing to reset`);
      actions.push(...groupActions);
    }
    return { actions, untouched };
  }

  /**
   * Refuses while a group has live members, unless the plan itself suspends consumers first (then
   * `apply` re-checks each group right before resetting it).
   */
  async preflight(request: RollbackRequest, plan: RollbackPlan): Promise<void> {
    if (plan.actions.some((a) => a.phase === ROLLBACK_PHASES.suspendConsumers)) return;
    for (const groupId of request.groups) {
      const members = await this.activeMembers(groupId);
      // Only our own leftovers are waited for: a live consumer is refused at once, by name.
      if (this.ownClientId && members.length > 0 && members.every((m) => m.clientId === this.ownClientId)) await this.waitIdle(groupId);
    }
    await this.assertIdle(request.groups);
  }

  /** Live members of the group; an empty list means the group is Empty or Dead and safe to reset. */
  async activeMembers(groupId: string): Promise<GroupMember[]> {
    const { groups } = await this.admin.describeGroups([groupId]);
    const group = groups.find((g) => g.groupId === groupId);
    return (group?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost }));
  }

  /** Throws naming the group and its members when any group still has a live member. */
  async assertIdle(groupIds: string[]): Promise<void> {
    for (const groupId of groupIds) {
      const members = await this.activeMembers(groupId);
      if (members.length > 0) {
        const who = members.map((m) => `${m.clientId}@${m.clientHost} (${m.memberId})`).join(', ');
        throw new DomainException(
          ErrorCode.PreconditionFailed,
          `consumer group '${groupId}' has ${members.length} active member(s): ${who}; stop its consumers before rolling back`,
          { field: 'groups', id: groupId, members },
        );
      }
    }
  }

  /**
   * Waits, bounded by idleWaitMs, for the group to have no live member: consumers suspended by the
   * plan's phase 10 leave only after their pods' grace period and the group's session timeout.
   */
  async waitIdle(groupId: string): Promise<void> {
    const deadline = Date.now() + this.idleWaitMs;
    while ((await this.activeMembers(groupId)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1_000));
    try {
      await this.assertIdle([groupId]);
    } catch (error) {
      if (!(error instanceof DomainException)) throw error;
      throw new DomainException(ErrorCode.PreconditionFailed, `${error.message} (still there after waiting ${this.idleWaitMs / 1000} s)`, error.details);
    }
  }

  /** Committed offsets of the group per topic; a partition without a commit has `null`. */
  async committedOffsets(groupId: string): Promise<Map<string, Map<number, string | null>>> {
    const topics = await this.admin.fetchOffsets({ groupId });
    const byTopic = new Map<string, Map<number, string | null>>();
    for (const { topic, partitions } of topics) {
      byTopic.set(topic, new Map(partitions.map((p) => [p.partition, Number(p.offset) >= 0 ? p.offset : null])));
    }
    return byTopic;
  }

  /** kafkajs semantics: per partition the first offset with timestamp >= `to`, else the end offset. */
  async offsetsAt(topic: string, to: Date): Promise<Map<number, string>> {
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topic, to.getTime());
    return new Map(offsets.map((o) => [o.partition, o.offset]));
  }

  /** One action per topic the group has committed on, partitions sorted, before/after filled in. */
  async planGroup(groupId: string, to: Date): Promise<KafkaResetGroupOffsetsAction[]> {
    const committed = await this.committedOffsets(groupId);
    const actions: KafkaResetGroupOffsetsAction[] = [];
    for (const topic of [...committed.keys()].sort()) {
      const before = committed.get(topic) ?? new Map<number, string | null>();
      const after = await this.offsetsAt(topic, to);
      const partitions = [...after.keys()]
        .sort((a, b) => a - b)
        .map((partition) => ({ partition, before: before.get(partition) ?? null, after: after.get(partition) as string }));
      actions.push({
        kind: 'kafka.reset-group-offsets',
        target: 'kafka',
        phase: ROLLBACK_PHASES.kafkaOffsets,
        summary: `group ${groupId} on ${topic}: ${partitions.length} partition(s) to the first offset at or after ${to.toISOString()}`,
        details: partitions.map((p) => `partition ${p.partition}: ${p.before ?? '(none)'} -> ${p.after}`),
        groupId,
        topic,
        partitions,
      });
    }
    return actions;
  }

  /** `rollback mark`: the committed offsets of every group named, per topic and partition. */
  async mark(_name: string, _takenAt: Date, request?: MarkRequest): Promise<KafkaRestorePointState> {
    const groups: KafkaRestorePointState['groups'] = [];
    for (const groupId of request?.groups ?? []) {
      const committed = await this.committedOffsets(groupId);
      groups.push({
        groupId,
        topics: [...committed.keys()].sort().map((topic) => ({
          topic,
          partitions: [...(committed.get(topic) ?? new Map<number, string | null>()).entries()]
            .sort(([a], [b]) => a - b)
            .map(([partition, offset]) => ({ partition, offset })),
        })),
      });
    }
    return { groups };
  }

  /**
   * Back to the offsets a restore point recorded. A partition (or topic) the group had not committed
   * on at the point goes to the partition's earliest offset: the group had consumed none of it then.
   */
  async planGroupToRecorded(groupId: string, recorded: KafkaRestorePointState, pointName: string): Promise<KafkaResetGroupOffsetsAction[]> {
    const atPoint = recorded.groups.find((g) => g.groupId === groupId);
    if (atPoint === undefined) throw new DomainException(ErrorCode.ValidationFailed, `restore point '${pointName}' has no offsets for group '${groupId}'`, { field: 'groups', id: groupId });
    const committed = await this.committedOffsets(groupId);
    const topics = [...new Set([...committed.keys(), ...atPoint.topics.map((t) => t.topic)])].sort();
    const actions: KafkaResetGroupOffsetsAction[] = [];
    for (const topic of topics) {
      const before = committed.get(topic) ?? new Map<number, string | null>();
      const kept = new Map((atPoint.topics.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]));
      const earliest = new Map((await this.admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.low]));
      const partitions = [...earliest.keys()]
        .sort((a, b) => a - b)
        .map((partition) => ({ partition, before: before.get(partition) ?? null, after: kept.get(partition) ?? (earliest.get(partition) as string) }));
      actions.push({
        kind: 'kafka.reset-group-offsets',
        target: 'kafka',
        phase: ROLLBACK_PHASES.kafkaOffsets,
        summary: `group ${groupId} on ${topic}: ${partitions.length} partition(s) to the offsets of restore point ${pointName}`,
        details: partitions.map((p) => `partition ${p.partition}: ${p.before ?? '(none)'} -> ${p.after}`),
        groupId,
        topic,
        partitions,
      });
    }
    return actions;
  }

  /** Sets the action's target offsets; re-running it sets the same absolute values again. */
  async apply(rawAction: RollbackAction): Promise<void> {
    const action = rawAction as KafkaResetGroupOffsetsAction;
    if (action.kind !== 'kafka.reset-group-offsets') throw new Error(`kafka rollback cannot apply '${action.kind}'`);
    await this.waitIdle(action.groupId);
    await this.admin.setOffsets({
      groupId: action.groupId,
      topic: action.topic,
      partitions: action.partitions.map((p) => ({ partition: p.partition, offset: p.after })),
    });
  }
}
