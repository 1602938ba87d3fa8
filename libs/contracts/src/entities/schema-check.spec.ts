import { z } from 'zod';
import { ENTITY_EVENTS } from './entity-events';
import { compileSchemaCheck } from './schema-check';
import type { MigratedEntity } from '../topics';

const ID = '6f1c2b9e-4d3a-4b8e-9c1f-2a3b4c5d6e7f';
const TS = '2024-03-01T12:00:00.123Z';

/** One valid data object per entity, as the migrator maps a monolith row. */
const VALID: Record<MigratedEntity, Record<string, unknown>> = {
  opportunity: {
    id: ID, noticeId: 'N-1', title: 'MRI scanners', description: null, agency: 'VA', subAgency: null, office: null,
    noticeType: 'Solicitation', baseType: null, naicsCode: '339112', naicsDescription: null, setAsideType: null,
    contractType: null, classificationCode: null, status: 'active', solicitationNumber: null, postedDate: TS,
    responseDeadline: TS, archiveDate: null, awardDate: null, awardAmount: '1250000.00', estimatedValueMin: null,
    estimatedValueMax: null, awardeeName: null, placeOfPerformanceState: null, placeOfPerformanceCity: null,
    primaryContactName: null, primaryContactEmail: null, samUrl: null, syncVersion: 3, createdAt: TS, updatedAt: TS,
  },
  proposal: {
    id: ID, opportunityId: ID, companyId: ID, createdBy: ID, title: 'Bid', status: 'draft', solicitationNumber: null,
    submissionDeadline: null, submittedAt: null, totalProposedPrice: '10.50', winProbability: null, aiGenerated: true,
    versionNumber: 1, tags: ['imaging'], createdAt: TS, updatedAt: TS,
  },
  contract_document: {
    id: ID, opportunityId: ID, companyId: ID, noticeId: null, fileName: 'sow.pdf', fileType: 'pdf', fileSize: 1024,
    ocrStatus: 'completed', requirements: ['Deliver within 30 days'], processedAt: null, createdAt: null, updatedAt: TS,
  },
  company: {
    id: ID, name: 'Acme Medical', dunsNumber: null, cageCode: null, city: null, state: 'VA', certifications: ['8a'],
    naicsCodes: null, subscriptionPlan: 'pro', samRegistrationDate: null, samExpirationDate: TS, createdAt: TS, updatedAt: TS,
  },
  usage_record: {
    id: ID, userId: ID, subscriptionId: null, feature: 'ai_analysis', quantity: 2, metadata: { model: 'x', n: [1] },
    createdAt: null,
  },
};

const nullPrototype = Object.assign(Object.create(null), { a: 1 }) as object;
const withSymbol = { a: 1, [Symbol('s')]: 2 };
class Boxed {
  a = 1;
}

/** Values put in every field in turn: each kind's edge cases, right and wrong. */
const CANDIDATES: unknown[] = [
  undefined, null, '', 'x', ' active', 'active', 'awarded', 'draft', 'pro', 'completed', 'PRO',
  ID, ID.toUpperCase(), '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '6f1c2b9e-4d3a-9b8e-9c1f-2a3b4c5d6e7f', '6f1c2b9e-4d3a-4b8e-7c1f-2a3b4c5d6e7f', `${ID} `, `{${ID}}`,
  TS, '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '+010000-01-01T00:00:00Z', '-000000-01-01T00:00:00Z',
  '2024-03-01T12:00:00.123456+05:30', '2024-03-01 12:00:00', 'infinity', '-infinity', 'Infinity',
  '1.5', '-1', '007', 'NaN', '-Infinity', '1e5', '.5', '1.', '- 1',
  0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53) + 1, NaN, Infinity, -Infinity, -0,
  true, false, [], ['a'], ['a', 1], [null], {}, { a: 1 }, { a: undefined }, nullPrototype, withSymbol, new Boxed(),
  new Date(0), 10n,
];

describe('compileSchemaCheck', () => {
  for (const entity of Object.keys(VALID) as MigratedEntity[]) {
    it(`gives zod's verdict for ${entity} data with every field replaced by every candidate value`, () => {
      const schema = ENTITY_EVENTS[entity].data;
      const check = compileSchemaCheck(schema);
      expect(check(VALID[entity])).toBe(true);
      expect(schema.safeParse(VALID[entity]).success).toBe(true);
      const verdicts = { valid: 0, invalid: 0 };
      const mismatches: string[] = [];
      for (const field of Object.keys(VALID[entity])) {
        for (const candidate of CANDIDATES) {
          const value = { ...VALID[entity], [field]: candidate };
          if (candidate === undefined) delete value[field];
          const zod = schema.safeParse(value).success;
          if (check(value) !== zod) mismatches.push(`${field} = ${String(candidate)}: zod ${zod}`);
          verdicts[zod ? 'valid' : 'invalid'] += 1;
        }
      }
      expect(mismatches).toEqual([]);
      // The corpus exercises both verdicts for each entity, or the comparison proves nothing.
      expect(verdicts.valid).toBeGreaterThan(Object.keys(VALID[entity]).length);
      expect(verdicts.invalid).toBeGreaterThan(Object.keys(VALID[entity]).length * 10);
    });
  }

  it('refuses what is not an object at the root, as zod does', () => {
    const schema = ENTITY_EVENTS.opportunity.data;
    const check = compileSchemaCheck(schema);
    for (const root of [null, undefined, [], 'x', 1, [VALID.opportunity]]) {
      expect(check(root)).toBe(false);
      expect(schema.safeParse(root).success).toBe(false);
    }
  });

  it('ignores keys the contract does not name, as zod does', () => {
    const value = { ...VALID.company, extra: Symbol('not data') };
    expect(compileSchemaCheck(ENTITY_EVENTS.company.data)(value)).toBe(true);
    expect(ENTITY_EVENTS.company.data.safeParse(value).success).toBe(true);
  });

  it('refuses at compile time a schema kind it does not handle, naming the field', () => {
    expect(() => compileSchemaCheck(z.object({ a: z.string().min(3) }))).toThrow(/a uses string check 'min_length'/);
    expect(() => compileSchemaCheck(z.object({ a: z.object({ b: z.string().optional() }) }))).toThrow(/a\.b uses optional/);
    expect(() => compileSchemaCheck(z.object({ a: z.union([z.string(), z.number()]) }))).toThrow(/a uses a union schema/);
    expect(() => compileSchemaCheck(z.object({ a: z.record(z.uuid(), z.string()) }))).toThrow(/record key other than a plain string/);
  });

  it("gives zod's verdict for plain numbers, which the contracts do not use yet", () => {
    const schema = z.object({ n: z.number() });
    const check = compileSchemaCheck(schema);
    for (const n of [0, 1.5, -2, NaN, Infinity, -Infinity, '1', null]) expect([n, check({ n })]).toEqual([n, schema.safeParse({ n }).success]);
  });

  it('calls a refinement true only when it returns true', () => {
    const check = compileSchemaCheck(z.object({ a: z.string().refine((s) => (s === 'yes' ? true : s === 'one' ? 1 : false)) }));
    expect(check({ a: 'yes' })).toBe(true);
    expect(check({ a: 'one' })).toBe(false); // zod would accept 1 as truthy: left to zod, never the other way round
    expect(check({ a: 'no' })).toBe(false);
  });
});
