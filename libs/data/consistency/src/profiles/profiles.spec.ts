import type { MigratedEntity } from '@mch/contracts';
import { ENTITY_SOURCES } from '@mch/data-kafka-migration';
import { indexCollectionNames } from '@mch/data-weaviate-index';
import { DERIVED_FIELD_SQL } from '../sql/postgres-canonical.sql';
import { clickhouseProfile } from './clickhouse-profile';
import { DERIVED_FIELD_TYPES, fullProfile } from './hash-profile';
import { weaviateViews } from './weaviate-profile';

const ENTITIES = Object.keys(ENTITY_SOURCES) as MigratedEntity[];
const mapping = (fields: { field: string; stored: string }[]) =>
  Object.fromEntries(fields.map((f) => [f.field, f.stored]));

describe('hash profiles: which mapped fields each store holds', () => {
  it('declares a type and a SQL definition for every derived field of every entity', () => {
    for (const entity of ENTITIES) {
      for (const field of Object.keys(ENTITY_SOURCES[entity].derived ?? {})) {
        expect({ entity, field, type: DERIVED_FIELD_TYPES[entity]?.[field] }).toEqual({
          entity,
          field,
          type: expect.any(String),
        });
        expect(DERIVED_FIELD_SQL[entity]?.[field]).toEqual(expect.any(String));
      }
    }
  });

  it('compares every mapped field with Kafka, in a fixed order', () => {
    const profile = fullProfile('opportunity');
    const names = profile.fields.map((f) => f.field);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(
      expect.arrayContaining([...Object.keys(ENTITY_SOURCES.opportunity.fields), 'noticeType', 'baseType']),
    );
  });

  it("finds ClickHouse's copied fields from the analytics table definitions (renamed columns included)", () => {
    expect(mapping(clickhouseProfile('opportunity')?.profile.fields ?? [])).toMatchObject({
      title: 'title',
      noticeId: 'notice_id',
      noticeType: 'notice_type',
      awardAmount: 'award_amount',
      postedDate: 'posted_date',
      updatedAt: 'updated_at',
      placeOfPerformanceState: 'place_of_performance_state',
    });
    expect(mapping(clickhouseProfile('usage_record')?.profile.fields ?? [])).toEqual({
      createdAt: 'timestamp',
      feature: 'feature',
      quantity: 'quantity',
      subscriptionId: 'subscription_id',
      userId: 'user_id',
    });
    // requirement_count and metadata are derived from fields, not copies: not compared.
    expect(
      Object.values(mapping(clickhouseProfile('contract_document')?.profile.fields ?? [])),
    ).not.toContain('requirement_count');
    expect(clickhouseProfile('company')).toBeNull();
  });

  it("finds Weaviate's copied properties from the indexer's mappers (sourceUpdatedAt holds updatedAt)", () => {
    const views = weaviateViews(indexCollectionNames('X'));
    expect(mapping(views.opportunity?.profile.fields ?? [])).toEqual({
      agency: 'agency',
      archiveDate: 'archiveDate',
      classificationCode: 'classificationCode',
      description: 'description',
      naicsCode: 'naicsCode',
      noticeId: 'noticeId',
      noticeType: 'noticeType',
      office: 'office',
      placeOfPerformanceState: 'placeOfPerformanceState',
      postedDate: 'postedDate',
      responseDeadline: 'responseDeadline',
      setAsideType: 'setAsideType',
      solicitationNumber: 'solicitationNumber',
      status: 'status',
      subAgency: 'subAgency',
      title: 'title',
      updatedAt: 'sourceUpdatedAt',
    });
    expect(views.contract_document).toMatchObject({
      collection: 'XContractDocument',
      keyProperty: 'documentId',
    });
    expect(mapping(views.contract_document?.profile.fields ?? [])).toEqual({
      createdAt: 'documentCreatedAt',
      fileName: 'fileName',
      opportunityId: 'opportunityId',
      requirements: 'requirements',
    });
  });
});
