import { sampleOpportunity } from '../testing/sample-data';
import { contentHash } from '../vectors/content-hash';
import { WEAVIATE_DATE_MAX, WEAVIATE_DATE_MIN } from './lossless-values';
import { fromWeaviateProperties, opportunityProperties, toWeaviateProperties, withDerived } from './opportunity.mapper';

const id = '1c7f1a3e-5b2d-4c8e-9f01-23456789abcd';
const version = {
  position: 'lsn:0000000000000010',
  embeddingsVersion: 2,
  lineage: {
    eventId: '2d8e2b4f-6c3e-4d9f-8a12-3456789abcde',
    correlationId: '3d8e2b4f-6c3e-4d9f-8a12-3456789abcde',
    causationId: '5d8e2b4f-6c3e-4d9f-8a12-3456789abcde',
    migrationRun: 'run-1',
    migrationId: '4d8e2b4f-6c3e-4d9f-8a12-3456789abcde',
    timestamp: '2026-03-01T12:00:00.000Z',
  },
};

describe('opportunityProperties', () => {
  it("maps the row's fields, the merged requirements and the version's lineage", () => {
    const data = sampleOpportunity(id, { archiveDate: null, postedDate: '2026-02-01T14:00:00.123Z' });
    const p = opportunityProperties(data, ['r1', 'r2'], version);
    expect(p).toEqual({
      title: data.title,
      description: data.description,
      agency: data.agency,
      naicsCode: '339113',
      requirements: ['r1', 'r2'],
      embeddings_version: 2,
      noticeId: data.noticeId,
      solicitationNumber: data.solicitationNumber,
      noticeType: 'Combined Synopsis/Solicitation',
      subAgency: data.subAgency,
      office: data.office,
      classificationCode: '6515',
      setAsideType: 'SDVOSBC',
      status: 'active',
      placeOfPerformanceState: 'FL',
      postedDate: '2026-02-01T14:00:00.123Z',
      responseDeadline: '2026-03-01T21:00:00.000Z',
      archiveDate: null,
      sourceUpdatedAt: data.updatedAt,
      contentHash: contentHash({ title: data.title, description: data.description, requirements: ['r1', 'r2'] }),
      sourcePosition: 'lsn:0000000000000010',
      eventId: version.lineage.eventId,
      migrationRun: 'run-1',
      migrationId: version.lineage.migrationId,
      correlationId: version.lineage.correlationId,
      causationId: version.lineage.causationId,
      lossyFields: [],
      rawValues: null,
    });
  });

  it('keeps every value a property cannot hold exactly: nearest typed value, property flagged, original in rawValues', () => {
    const data = sampleOpportunity(id, {
      postedDate: '0001-01-01T00:00:00.000Z',
      responseDeadline: 'infinity',
      archiveDate: '1969-12-31T23:59:59.999999Z',
      updatedAt: '-000043-03-15T00:00:00.000Z',
      title: 'Gloves \ud800 lone',
      description: 'nul \u0000 and emoji \u{1F600} are stored as they are',
    });
    const p = opportunityProperties(data, [], version);
    expect(p).toMatchObject({
      postedDate: WEAVIATE_DATE_MIN,
      responseDeadline: WEAVIATE_DATE_MAX,
      archiveDate: '1969-12-31T23:59:59.999999Z',
      sourceUpdatedAt: WEAVIATE_DATE_MIN,
      title: 'Gloves \ufffd lone',
      description: data.description,
      lossyFields: ['archiveDate', 'postedDate', 'responseDeadline', 'sourceUpdatedAt', 'title'],
    });
    expect(JSON.parse(p.rawValues ?? '')).toEqual({
      archiveDate: '1969-12-31T23:59:59.999999Z',
      postedDate: '0001-01-01T00:00:00.000Z',
      responseDeadline: 'infinity',
      sourceUpdatedAt: '-000043-03-15T00:00:00.000Z',
      title: 'Gloves \ud800 lone',
    });
    // The JSON text is well-formed UTF-16 (the lone surrogate is escaped), so gRPC can carry it.
    expect(p.rawValues).toContain('\\ud800');
    // Read back as the gRPC client returns it (dates as millisecond Dates): equal to what was written.
    const sent = toWeaviateProperties(p);
    const readBack: Record<string, unknown> = { ...sent };
    for (const d of ['postedDate', 'responseDeadline', 'archiveDate', 'sourceUpdatedAt']) readBack[d] = new Date(String(sent[d]));
    expect(fromWeaviateProperties(readBack)).toEqual(p);
  });

  it('leaves null properties out of what is sent to Weaviate, and reads absent ones back as null', () => {
    const p = opportunityProperties(sampleOpportunity(id, { description: null, naicsCode: null }), [], version);
    const sent = toWeaviateProperties(p);
    expect(sent).not.toHaveProperty('description');
    expect(sent).not.toHaveProperty('archiveDate');
    expect(sent.requirements).toEqual([]);
    const readBack = { ...sent, postedDate: new Date(p.postedDate), responseDeadline: new Date(p.responseDeadline), sourceUpdatedAt: new Date(p.sourceUpdatedAt) };
    expect(fromWeaviateProperties(readBack)).toEqual(p);
  });

  it('recomputes requirements, content hash and embeddings version when only documents change', () => {
    const p = opportunityProperties(sampleOpportunity(id), ['r1'], version);
    const q = withDerived(p, ['r1', 'r2'], 3);
    expect(q.requirements).toEqual(['r1', 'r2']);
    expect(q.embeddings_version).toBe(3);
    expect(q.contentHash).not.toBe(p.contentHash);
    expect({ ...q, requirements: p.requirements, contentHash: p.contentHash, embeddings_version: 2 }).toEqual(p);
  });
});
