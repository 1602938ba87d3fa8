import { randomUUID } from 'node:crypto';
import type { WeaviateClient } from 'weaviate-client';
import type { ContractDocumentData, OpportunityData } from '@mch/contracts';
import { connectWeaviate, listObjectsAfter } from '@mch/infra-weaviate';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { ensureIndex } from '../index-definitions';
import { WEAVIATE_DATE_MAX, WEAVIATE_DATE_MIN } from '../mapping/lossless-values';
import { consumedRecords } from '../testing/consumed-records';
import { indexEnvelope } from '../testing/monolith-events';
import { sampleDocument, sampleOpportunity } from '../testing/sample-data';
import { dropIndex, quietLogger, uniqueIndexNames } from '../testing/weaviate-test-support';
import { hashingEmbedder } from '../vectors/text-embedder';
import { documentObjectId } from './state-objects';
import { WeaviateIndexSink } from './weaviate-index.sink';

const names = uniqueIndexNames('Lossless');
const logger = quietLogger();
const MB5 = `Surgical drapes \u{1F3E5}\u{1F600} ${'sterile gown lot '.repeat((5 * 1024 * 1024) / 17)}zyxwandmarker`;

/** One opportunity per edge value: [label, fields overridden, lossy properties, their originals]. */
const CASES: [string, Partial<OpportunityData>, Record<string, string>][] = [
  ['year 0001', { postedDate: '0001-01-01T00:00:00.000Z' }, { postedDate: '0001-01-01T00:00:00.000Z' }],
  ['1969 with microseconds', { archiveDate: '1969-12-31T23:59:59.999999Z' }, { archiveDate: '1969-12-31T23:59:59.999999Z' }],
  ['2106 (past uint32 seconds)', { responseDeadline: '2106-02-08T06:28:16.000Z' }, {}],
  ['year 9999 with microseconds', { responseDeadline: '9999-12-31T23:59:59.999999Z' }, { responseDeadline: '9999-12-31T23:59:59.999999Z' }],
  ['44 BC', { postedDate: '-000043-03-15T00:00:00.000Z' }, { postedDate: '-000043-03-15T00:00:00.000Z' }],
  ['infinity', { responseDeadline: 'infinity' }, { responseDeadline: 'infinity' }],
  ['-infinity', { archiveDate: '-infinity', updatedAt: '-infinity' }, { archiveDate: '-infinity', sourceUpdatedAt: '-infinity' }],
  ['NaN and infinite amounts', { awardAmount: 'NaN', estimatedValueMin: '-Infinity', estimatedValueMax: 'Infinity' }, {}],
  ['1e30 amount', { awardAmount: `1${'0'.repeat(30)}.00`, estimatedValueMax: `9${'9'.repeat(29)}.99` }, {}],
  ['5 MB description with emoji', { description: MB5 }, {}],
  ['NUL in text', { title: 'Exam gloves\u0000nitrile', office: 'NUL\u0000office' }, {}],
  ['lone surrogate', { title: 'Gauze \ud800 pads' }, { title: 'Gauze \ud800 pads' }],
];

describe('Weaviate index: values a property cannot hold (real Weaviate)', () => {
  let client: WeaviateClient;
  const ids = CASES.map(() => randomUUID());
  const causationId = randomUUID();
  const envelopes = CASES.map(([, fields], i) =>
    indexEnvelope('opportunity', ids[i], sampleOpportunity(ids[i], fields), { operation: 'snapshot', position: 10 + i, migrationRun: 'run-lossless', causationId }),
  );
  const documentId = randomUUID();
  const document: ContractDocumentData = sampleDocument(documentId, ids[0], {
    fileName: 'sow\u0000.pdf',
    requirements: ['Deliver \ud83d gauze', 'NUL \u0000 kept'],
    createdAt: '0001-01-01T00:00:00.000Z',
  });
  const collection = () => client.collections.use(names.opportunity);

  beforeAll(async () => {
    client = await connectWeaviate(loadConfig(weaviateEnvSchema));
    await ensureIndex(client, names, { kind: 'none', dimensions: 64 }, logger);
  });
  afterAll(async () => {
    await dropIndex(client, names);
    await client.close();
  });

  it('indexes every edge value: every object present, nothing rejected, a replay writes nothing', async () => {
    const sink = new WeaviateIndexSink(
      client,
      { names, embedder: hashingEmbedder(64), embeddingsVersion: 1, batchSize: 50, concurrency: 2, maxObjectAttempts: 3, retryBaseDelayMs: 50 },
      logger,
    );
    const records = consumedRecords([
      ...envelopes,
      indexEnvelope('contract_document', documentId, document, { operation: 'snapshot', position: 40, migrationRun: 'run-lossless', causationId }),
    ]);
    expect((await sink.write(records)).rejected).toEqual([]);
    expect(sink.stats).toMatchObject({ opportunitiesWritten: CASES.length, documentsWritten: 1, rejected: 0 });
    const found = await collection().query.fetchObjects({ filters: collection().filter.byId().containsAny(ids), limit: 100, returnProperties: ['title'] });
    expect(found.objects.map((o) => o.uuid).sort()).toEqual([...ids].sort());
    expect((await sink.write(records)).rejected).toEqual([]);
    expect(sink.stats).toMatchObject({ opportunitiesWritten: CASES.length, documentsWritten: 1 });
  });

  it('stores the typed values as documented and names each lossy property with its original text', async () => {
    for (const [i, [label, fields, lossy]] of CASES.entries()) {
      const object = await collection().query.fetchObjectById(ids[i]);
      const p = (object?.properties ?? {}) as Record<string, unknown>;
      expect({ label, lossyFields: p.lossyFields ?? [] }).toEqual({ label, lossyFields: Object.keys(lossy).sort() });
      expect({ label, raw: p.rawValues === undefined || p.rawValues === null ? {} : JSON.parse(String(p.rawValues)) }).toEqual({ label, raw: lossy });
      expect(p.causationId).toBe(causationId);
      if (fields.description) expect(p.description).toBe(MB5);
      if (fields.title?.includes('\u0000')) expect([p.title, p.office]).toEqual([fields.title, fields.office]);
    }
    const typed = async (i: number, property: string) => {
      const value = (await collection().query.fetchObjectById(ids[i]))?.properties[property];
      return value instanceof Date ? value.toISOString() : value;
    };
    expect(await typed(0, 'postedDate')).toBe(WEAVIATE_DATE_MIN);
    expect(await typed(2, 'responseDeadline')).toBe('2106-02-08T06:28:16.000Z');
    expect(await typed(3, 'responseDeadline')).toBe(WEAVIATE_DATE_MAX);
    expect(await typed(4, 'postedDate')).toBe(WEAVIATE_DATE_MIN);
    expect(await typed(5, 'responseDeadline')).toBe(WEAVIATE_DATE_MAX);
    expect(await typed(6, 'archiveDate')).toBe(WEAVIATE_DATE_MIN);
    expect(await typed(11, 'title')).toBe('Gauze \ufffd pads');
    // Weaviate itself keeps the microseconds (REST returns them); gRPC clients read milliseconds.
    const rest = (await listObjectsAfter(client, names.opportunity, 100, null)).find((o) => o.id === ids[1]);
    expect(rest?.properties.archiveDate).toBe('1969-12-31T23:59:59.999999Z');
    expect(await typed(1, 'archiveDate')).toBe('1969-12-31T23:59:59.999Z');
  });

  it('finds the originals by query: lossyFields filter, rawValues read back; range filters order clamped dates at the ends', async () => {
    // The documented query: which objects hold a postedDate Weaviate could not, and what was it?
    const lossyPosted = await collection().query.fetchObjects({
      filters: collection().filter.byProperty('lossyFields').containsAny(['postedDate']),
      limit: 100,
      returnProperties: ['rawValues'],
    });
    const originals = new Map(lossyPosted.objects.map((o) => [o.uuid, JSON.parse(String(o.properties.rawValues)).postedDate]));
    expect(originals).toEqual(new Map([[ids[0], '0001-01-01T00:00:00.000Z'], [ids[4], '-000043-03-15T00:00:00.000Z']]));
    const infinite = await collection().query.fetchObjects({
      filters: collection().filter.byProperty('rawValues').containsAny(['infinity']),
      limit: 100,
      returnProperties: [],
    });
    expect(infinite.objects.map((o) => o.uuid).sort()).toEqual([ids[5], ids[6]].sort());
    const late = await collection().query.fetchObjects({
      filters: collection().filter.byProperty('responseDeadline').greaterThan(new Date('2100-01-01T00:00:00Z')),
      limit: 100,
      returnProperties: [],
    });
    expect(late.objects.map((o) => o.uuid).sort()).toEqual([ids[2], ids[3], ids[5]].sort());
    const early = await collection().query.fetchObjects({
      filters: collection().filter.byProperty('postedDate').lessThan(new Date('1900-01-01T00:00:00Z')),
      limit: 100,
      returnProperties: [],
    });
    expect(early.objects.map((o) => o.uuid).sort()).toEqual([ids[0], ids[4]].sort());
    const bm25 = await collection().query.bm25('zyxwandmarker', { limit: 3, returnProperties: [] });
    expect(bm25.objects.map((o) => o.uuid)).toEqual([ids[9]]);
  });

  it('keeps a contract document whole: NUL text exact, lone surrogate and year 0001 flagged, requirements merged', async () => {
    const object = await client.collections.use(names.contractDocument).query.fetchObjectById(documentObjectId(documentId));
    const p = (object?.properties ?? {}) as Record<string, unknown>;
    expect(p).toMatchObject({ fileName: 'sow\u0000.pdf', requirements: ['Deliver \ufffd gauze', 'NUL \u0000 kept'], lossyFields: ['documentCreatedAt', 'requirements'], causationId });
    expect(JSON.parse(String(p.rawValues))).toEqual({ documentCreatedAt: '0001-01-01T00:00:00.000Z', requirements: document.requirements });
    const opportunity = await collection().query.fetchObjectById(ids[0]);
    expect(opportunity?.properties.requirements).toEqual(['Deliver \ufffd gauze', 'NUL \u0000 kept']);
  });
});
