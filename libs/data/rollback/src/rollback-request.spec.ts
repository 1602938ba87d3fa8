import { DomainException } from '@mch/util-errors';
import { parseRollbackArguments, parseRollbackRequest, resolveRollbackRequest } from './rollback-request';
import type { RestorePoint } from './rollback.types';
import { requestKey } from './rollback-planner';
import { formatPlanTable } from './rollback-plan.format';

function refusal(input: Parameters<typeof parseRollbackRequest>[0]): DomainException {
  try {
    parseRollbackRequest(input, ['kafka']);
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseRollbackRequest', () => {
  it('accepts an ISO instant with a zone, trims and de-duplicates groups, defaults targets to the supported ones', () => {
    const request = parseRollbackRequest({ to: '2026-01-02T03:04:05.678+01:00', groups: ' a , b,a ' }, ['kafka']);
    expect(request).toEqual({ to: new Date('2026-01-02T02:04:05.678Z'), groups: ['a', 'b'], targets: ['kafka'] });
  });

  it.each([
    [{ to: '2026-01-02 03:04', groups: 'g' }, 'to'],
    [{ to: '2026-01-02T03:04:05', groups: 'g' }, 'to'],
    [{ to: '2026-13-45T03:04:05Z', groups: 'g' }, 'to'],
    [{ to: '2999-01-01T00:00:00Z', groups: 'g' }, 'to'],
    [{ to: '2026-01-02T03:04:05Z', groups: ' , ' }, 'groups'],
    [{ to: '2026-01-02T03:04:05Z', groups: 'bad group' }, 'groups'],
    [{ to: '2026-01-02T03:04:05Z', groups: 'g', targets: 'kafka,clickhouse' }, 'targets'],
    [{ to: '2026-01-02T03:04:05Z', groups: 'g', targets: 'kafka,nonsense' }, 'targets'],
  ])('refuses %j naming the field %s (command supporting kafka only)', (input, field) => {
    const error = refusal(input);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.field).toBe(field);
  });

  it('keys a request independently of group and target order', () => {
    const a = parseRollbackRequest({ to: '2026-01-02T03:04:05Z', groups: 'x,y' });
    const b = parseRollbackRequest({ to: '2026-01-02T04:04:05+01:00', groups: 'y,x' });
    expect(requestKey(a)).toBe(requestKey(b));
    expect(requestKey(a)).not.toBe(requestKey(parseRollbackRequest({ to: '2026-01-02T03:04:06Z', groups: 'x,y' })));
  });
});

describe('parseRollbackArguments and resolveRollbackRequest (restore points)', () => {
  const point: RestorePoint = {
    name: 'before-bad-deploy',
    takenAt: '2026-12-01T10:00:00.000Z',
    state: { kafka: { groups: [{ groupId: 'ch', topics: [] }, { groupId: 'wv', topics: [] }] } },
  };
  const find = async (name: string) => (name === point.name ? point : null);

  it('takes --to as a restore point name; groups default to the groups the point recorded', async () => {
    const args = parseRollbackArguments({ to: 'before-bad-deploy', entities: 'opportunity,opportunity' });
    expect(args).toMatchObject({ to: null, restorePointName: 'before-bad-deploy', groups: [], entities: ['opportunity'] });
    const request = await resolveRollbackRequest(args, find);
    expect(request).toMatchObject({ to: new Date(point.takenAt), groups: ['ch', 'wv'], restorePoint: point, entities: ['opportunity'] });
    expect(requestKey(request)).toContain('point=before-bad-deploy');
  });

  it('refuses an unknown point, and groups the point did not record, naming the field', async () => {
    const refused = (input: Parameters<typeof parseRollbackArguments>[0]) =>
      resolveRollbackRequest(parseRollbackArguments(input), find).then(
        () => new DomainException('INTERNAL', 'expected a refusal'),
        (e: unknown) => e as DomainException,
      );
    const unknown = await refused({ to: 'nope' });
    expect([unknown.code, unknown.details.field, unknown.message]).toEqual(['VALIDATION_FAILED', 'to', "--to: no restore point named 'nope' (see 'rollback points')"]);
    const other = await refused({ to: 'before-bad-deploy', groups: 'ch,other' });
    expect([other.details.field, other.message]).toEqual(['groups', "--groups: restore point 'before-bad-deploy' recorded no offsets for other; it has ch, wv"]);
  });

  it('needs no --groups when kafka is not targeted', () => {
    expect(parseRollbackArguments({ to: '2026-01-02T03:04:05Z', targets: 'clickhouse,weaviate' })).toMatchObject({ groups: [], targets: ['clickhouse', 'weaviate'] });
  });

  it.each([
    [{ to: 'Before', groups: 'g' }, 'to'],
    [{ to: '-leading-dash', groups: 'g' }, 'to'],
    [{ to: 'a'.repeat(41), groups: 'g' }, 'to'],
    [{ to: '2026-01-02T03:04:05Z', groups: 'g', entities: ' , ' }, 'entities'],
    [{ to: '2026-01-02T03:04:05Z', groups: 'g', entities: 'opportunity,invoices' }, 'entities'],
  ])('refuses %j naming the field %s', (input, field) => {
    let error: unknown;
    try {
      parseRollbackArguments(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).details.field).toBe(field);
  });
});

describe('formatPlanTable', () => {
  it('prints one row per action in plan order with its detail lines, and lists what is not touched', () => {
    const table = formatPlanTable({
      to: '2026-01-02T03:04:05.000Z',
      targets: ['kafka'],
      groups: ['g'],
      actions: [
        {
          kind: 'kafka.reset-group-offsets',
          target: 'kafka',
          phase: 20,
          summary: 'group g on t: 2 partition(s)',
          details: ['partition 0: 10 -> 4', 'partition 1: (none) -> 0'],
        },
      ],
      untouched: ['kubernetes: not among --targets'],
    });
    const lines = table.split('\n');
    expect(lines[0]).toBe('rollback to 2026-01-02T03:04:05.000Z (targets: kafka)');
    expect(lines[2].split(/\s{2,}/)).toEqual(['0', '20', 'kafka', 'kafka.reset-group-offsets', 'group g on t: 2 partition(s)']);
    expect(lines[3].trim()).toBe('partition 0: 10 -> 4');
    expect(lines[4].trim()).toBe('partition 1: (none) -> 0');
    expect(table).toContain('  - kubernetes: not among --targets');
  });
});
