import { MigratedEntity } from '@mch/contracts';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { ROLLBACK_TARGETS, type RestorePoint, type RollbackRequest, type RollbackTarget } from './rollback.types';

// A full ISO-8601 instant with an explicit zone: a rollback point must not depend on the host's TZ.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const GROUP_ID = /^[A-Za-z0-9._-]{1,249}$/;
/**
 * Restore point names: lower-case letters, digits and '-', at most 40. They become ClickHouse snapshot
 * names (`rp_` + the name with '_' for '-', which is one-to-one because '_' is not allowed here) and
 * Weaviate backup ids, whose alphabets are narrower than free text.
 */
export const RESTORE_POINT_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const ENTITIES: readonly string[] = Object.values(MigratedEntity);

function invalid(field: string, message: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, message, { field });
}

/** Operator input validated, before a named restore point is looked up. */
export interface RollbackArguments {
  /** Set when --to is an ISO instant. */
  to: Date | null;
  /** Set when --to names a restore point. */
  restorePointName: string | null;
  /** --groups; empty when absent (a restore point supplies its own). */
  groups: string[];
  targets: RollbackTarget[];
  entities?: string[];
}

export interface RollbackInput {
  to?: string;
  groups?: string;
  targets?: string;
  entities?: string;
}

export function checkRestorePointName(name: string, field = 'name'): string {
  if (!RESTORE_POINT_NAME.test(name)) {
    throw invalid(field, `restore point name '${name}' must be 1-40 characters of a-z, 0-9 and '-', starting with a letter or digit`);
  }
  return name;
}

/** Validates raw operator input; every refusal names the field and the limit. Contacts no store. */
export function parseRollbackArguments(input: RollbackInput, supported: readonly RollbackTarget[] = ROLLBACK_TARGETS): RollbackArguments {
  const rawTo = input.to?.trim() ?? '';
  let to: Date | null = null;
  let restorePointName: string | null = null;
  if (ISO_INSTANT.test(rawTo)) {
    to = new Date(rawTo);
    if (Number.isNaN(to.getTime())) throw invalid('to', `--to is not a valid date: '${rawTo}'`);
    if (to.getTime() > Date.now()) throw invalid('to', `--to must not be in the future: '${rawTo}'`);
  } else if (RESTORE_POINT_NAME.test(rawTo)) {
    restorePointName = rawTo;
  } else {
    throw invalid(
      'to',
      `--to must be an ISO-8601 instant with a zone (e.g. 2026-12-04T22:00:00Z) or a restore point name (1-40 of a-z, 0-9, '-'); got '${rawTo}'`,
    );
  }

  const targets = parseTargets(input.targets, supported);
  const groups = parseGroups(input.groups);
  if (groups.length === 0 && restorePointName === null && targets.includes('kafka')) {
    throw invalid('groups', '--groups must name at least one consumer group');
  }
  const entities = input.entities === undefined ? undefined : parseEntities(input.entities);
  return { to, restorePointName, groups, targets, ...(entities ? { entities } : {}) };
}

/** The request for a point in time or a restore point (looked up by `findPoint`); groups default to the point's. */
export async function resolveRollbackRequest(
  args: RollbackArguments,
  findPoint: (name: string) => Promise<RestorePoint | null>,
): Promise<RollbackRequest> {
  const base = { targets: args.targets, ...(args.entities ? { entities: args.entities } : {}) };
  if (args.to !== null) return { ...base, to: args.to, groups: args.groups };
  const name = args.restorePointName as string;
  const point = await findPoint(name);
  if (point === null) {
    throw new DomainException(ErrorCode.ValidationFailed, `--to: no restore point named '${name}' (see 'rollback points')`, { field: 'to', id: name });
  }
  const recorded = restorePointGroups(point);
  const groups = args.groups.length > 0 ? args.groups : recorded;
  const unrecorded = groups.filter((g) => !recorded.includes(g));
  if (args.targets.includes('kafka') && unrecorded.length > 0) {
    throw invalid('groups', `--groups: restore point '${name}' recorded no offsets for ${unrecorded.join(', ')}; it has ${recorded.join(', ') || 'none'}`);
  }
  if (args.targets.includes('kafka') && groups.length === 0) {
    throw invalid('groups', `restore point '${name}' recorded no consumer group; name --groups or leave kafka out of --targets`);
  }
  return { ...base, to: new Date(point.takenAt), restorePoint: point, groups };
}

/** The groups whose offsets a restore point recorded (the Kafka participant's state). */
export function restorePointGroups(point: RestorePoint): string[] {
  const kafka = point.state.kafka as { groups?: { groupId: string }[] } | undefined;
  return (kafka?.groups ?? []).map((g) => g.groupId);
}

/**
 * The ISO-only form (kept for callers that never name a restore point): --to an instant, --groups
 * required when kafka is targeted.
 */
export function parseRollbackRequest(input: RollbackInput, supported: readonly RollbackTarget[] = ROLLBACK_TARGETS): RollbackRequest {
  const args = parseRollbackArguments(input, supported);
  if (args.to === null) {
    throw invalid('to', `--to must be an ISO-8601 instant with a zone (e.g. 2026-12-04T22:00:00Z); got '${input.to?.trim() ?? ''}'`);
  }
  return { to: args.to, groups: args.groups, targets: args.targets, ...(args.entities ? { entities: args.entities } : {}) };
}

export function parseGroups(value: string | undefined): string[] {
  const groups = splitList(value);
  if (value !== undefined && groups.length === 0) throw invalid('groups', '--groups must name at least one consumer group');
  const bad = groups.find((g) => !GROUP_ID.test(g));
  if (bad !== undefined) throw invalid('groups', `--groups: '${bad}' is not a Kafka group id (1-249 of [A-Za-z0-9._-])`);
  return [...new Set(groups)];
}

export function parseTargets(value: string | undefined, supported: readonly RollbackTarget[]): RollbackTarget[] {
  const targetNames = value === undefined ? [...supported] : splitList(value);
  if (targetNames.length === 0) throw invalid('targets', '--targets must name at least one target');
  const unknown = targetNames.find((t) => !(supported as readonly string[]).includes(t));
  if (unknown !== undefined) {
    throw invalid('targets', `--targets: '${unknown}' is not supported; supported: ${supported.join(', ')}`);
  }
  return [...new Set(targetNames)] as RollbackTarget[];
}

function parseEntities(value: string): string[] {
  const entities = splitList(value);
  if (entities.length === 0) throw invalid('entities', '--entities must name at least one entity');
  const unknown = entities.find((e) => !ENTITIES.includes(e));
  if (unknown !== undefined) throw invalid('entities', `--entities: '${unknown}' is not a migrated entity; known: ${ENTITIES.join(', ')}`);
  return [...new Set(entities)];
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
