import { DomainException, ErrorCode } from '@mch/util-errors';
import { ROLLBACK_TARGETS, type RollbackRequest, type RollbackTarget } from './rollback.types';

// A full ISO-8601 instant with an explicit zone: a rollback point must not depend on the host's TZ.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const GROUP_ID = /^[A-Za-z0-9._-]{1,249}$/;

function invalid(field: string, message: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, message, { field });
}

/** Validates raw operator input into a request; every refusal names the field and the limit. */
export function parseRollbackRequest(
  input: { to?: string; groups?: string; targets?: string },
  /** The targets the calling command has participants for; the default when --targets is absent. */
  supported: readonly RollbackTarget[] = ROLLBACK_TARGETS,
): RollbackRequest {
  const rawTo = input.to?.trim() ?? '';
  if (!ISO_INSTANT.test(rawTo)) {
    throw invalid('to', `--to must be an ISO-8601 instant with a zone (e.g. 2026-12-04T22:00:00Z); got '${rawTo}'`);
  }
  const to = new Date(rawTo);
  if (Number.isNaN(to.getTime())) throw invalid('to', `--to is not a valid date: '${rawTo}'`);
  if (to.getTime() > Date.now()) throw invalid('to', `--to must not be in the future: '${rawTo}'`);

  const groups = splitList(input.groups);
  if (groups.length === 0) throw invalid('groups', '--groups must name at least one consumer group');
  const bad = groups.find((g) => !GROUP_ID.test(g));
  if (bad !== undefined) throw invalid('groups', `--groups: '${bad}' is not a Kafka group id (1-249 of [A-Za-z0-9._-])`);

  const targetNames = input.targets === undefined ? [...supported] : splitList(input.targets);
  if (targetNames.length === 0) throw invalid('targets', '--targets must name at least one target');
  const unknown = targetNames.find((t) => !(supported as readonly string[]).includes(t));
  if (unknown !== undefined) {
    throw invalid('targets', `--targets: '${unknown}' is not supported; supported: ${supported.join(', ')}`);
  }
  return { to, groups: [...new Set(groups)], targets: [...new Set(targetNames)] as RollbackTarget[] };
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
