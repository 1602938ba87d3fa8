import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createKafka } from '@mch/infra-kafka';
import { createLogger } from '@mch/util-logger';
import { startApiServices, type ApiServices } from './support/api-services';
import { bearer, httpStatus, waitFor, type ServiceProcess } from './support/service-process';

/**
 * No input gives a 5xx: property-based requests over each HTTP endpoint's schema, sent to the
 * services as their containers run them (own process, real PostgreSQL and Kafka). Inputs mix
 * random types, sizes and Unicode (\u0000, lone surrogates, emoji), missing and extra fields,
 * invalid JSON, over-limit bodies and bad path/query parameters. After every append the stream's
 * events and outbox rows are checked: a refused append wrote nothing, an accepted one wrote
 * exactly its events with one outbox row each. Runs are bounded (seeded by fast-check, the seed
 * is printed on failure) so the whole spec stays well under two minutes.
 */
const RUNS = { append: 300, reads: 200, checker: 200 } as const;

const UNICODE_EDGES = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00',
  '\udbff\udfff',
  '😀',
  '👩‍⚕️',
  '\u202e',
  '\uffff',
  'é',
  '',
];

/** Strings of every kind, including what UTF-8 and PostgreSQL cannot hold. */
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom(...UNICODE_EDGES), maxLength: 5 }),
  fc.constantFrom(...UNICODE_EDGES),
  fc.integer({ min: 90, max: 20_000 }).map((n) => 'x'.repeat(n)),
);

/** Any JSON value (strings from `text`), nested a little. */
const { value: jsonish } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
}));

const nested = (depth: number): unknown =>
  Array.from({ length: depth }).reduce((inner: unknown) => ({ a: inner }), 'leaf');

const eventArb = fc.record(
  {
    eventId: fc.oneof(fc.uuid(), text, jsonish),
    eventType: fc.oneof(fc.constant('OpportunityUpdated'), text, jsonish),
    data: fc.oneof(
      fc.dictionary(text, jsonish, { maxKeys: 5 }),
      jsonish,
      fc.integer({ min: 20, max: 200 }).map(nested),
    ),
    metadata: fc.oneof(fc.dictionary(text, jsonish, { maxKeys: 3 }), jsonish),
    extra: jsonish,
  },
  { requiredKeys: [] },
);

/** Bodies shaped like an append, any field missing, mistyped or extra. */
const appendBody = fc.record(
  {
    aggregateType: fc.oneof(fc.constant('Opportunity'), text, jsonish),
    expectedVersion: fc.oneof(
      fc.constant('any'),
      fc.constantFrom('no_stream', -1, 2 ** 31, 2 ** 53, 1.5, '1'),
      fc.integer(),
      jsonish,
    ),
    userId: fc.oneof(fc.uuid(), fc.constant(null), text),
    events: fc.oneof(
      fc.array(eventArb, { minLength: 1, maxLength: 3 }),
      fc.array(eventArb, { maxLength: 1_001 }),
      jsonish,
    ),
    [`extra${'\u0000'}`]: jsonish,
    expectedVerison: jsonish,
  },
  { requiredKeys: [] },
);

/** A valid append whose data is random: reaches the store, so store-side limits are hit too. */
const validShapedBody = fc
  .record({
    data: fc.oneof(
      fc.dictionary(text, jsonish, { minKeys: 1, maxKeys: 5 }),
      fc.integer({ min: 20, max: 200 }).map((d) => ({ deep: nested(d) })),
    ),
    metadata: fc.option(fc.dictionary(text, jsonish, { maxKeys: 3 }), { nil: undefined }),
    eventType: fc.oneof(fc.constant('OpportunityUpdated'), text),
  })
  .map(({ data, metadata, eventType }) => ({
    aggregateType: 'Opportunity',
    expectedVersion: 'any',
    events: [{ eventType, data, ...(metadata === undefined ? {} : { metadata }) }],
  }));

const rawBody = fc.oneof(
  { weight: 3, arbitrary: validShapedBody.map((b) => JSON.stringify(b)) },
  { weight: 3, arbitrary: appendBody.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: jsonish.map((b) => JSON.stringify(b) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"aggregateType":"Opportunity","expectedVersion":"any","events":[{"eventType":"E","data":{"n":1e400}}]}',
      '{"aggregateType":"Opportunity","expectedVersion":"any","events":[{"eventType":"E","data":{"t":"\\u0000"}}]}',
      '{"aggregateType":"Opportunity","expectedVersion":"any","events":[{"eventType":"E","data":{"t":"\\ud800"}}]}',
      '{"aggregateType":"Opportunity","expectedVersion":"any","events":[{"eventType":"E\\u0000","data":{}}]}',
      `{"aggregateType":"Opportunity","expectedVersion":"any","events":[{"eventType":"E","data":{"d":${'['.repeat(5_000)}${']'.repeat(5_000)}}}]}`,
      '{"aggregateType":',
      '',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 90_000, max: 3_200_000 }).map((n) =>
      JSON.stringify({
        aggregateType: 'Opportunity',
        expectedVersion: 'any',
        events: [{ eventType: 'E', data: { d: 'x'.repeat(n) } }],
      }),
    ),
  },
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/json; charset=latin-9',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-16',
    ),
  },
);

/** Header values fetch can send: printable ASCII. */
const headerText = fc
  .string({ unit: 'binary-ascii', maxLength: 60 })
  .map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());

/** Percent-encoding; a lone surrogate (not encodable) is sent as the invalid UTF-8 bytes it would be. */
const encode = (s: string) =>
  encodeURIComponent(
    s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  ).replaceAll('%EF%BF%BD', '%ED%A0%80');

/** A path segment: anything, percent-encoded (lone surrogates become invalid UTF-8 bytes). */
const pathSegment = fc
  .oneof(
    fc.uuid(),
    text.filter((s) => s.length < 300),
    fc.constantFrom('%ED%A0%80', '%', '%00', '..', '%2F'),
  )
  .map((s) => {
    if (/^%/.test(s) || s === '..') return s;
    return encode(s) || 'x';
  });

const queryValue = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '1e3',
    '99999999999999999999',
    '2147483648',
    '1-1',
    '1-99999999999999999999',
    '99999999999999999999-1',
  ),
  text.filter((s) => s.length < 300),
);

/** A fetch that may fail only on the client side (fetch refuses some header values); null then. */
async function send(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: string; headers: Headers } | null> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  } catch (error) {
    if (error instanceof TypeError && !String((error as { cause?: unknown }).cause ?? '').includes('ECONN'))
      return null;
    throw error;
  }
  return { status: response.status, body: await response.text(), headers: response.headers };
}

function expectNo5xx(what: string, result: { status: number; body: string } | null): void {
  if (result && result.status >= 500)
    throw new Error(`${what} answered ${result.status}: ${result.body.slice(0, 500)}`);
}

describe('no bad input gives a 5xx (property-based, against the running services)', () => {
  let db: MigratedDatabase;
  let eventStore: ServiceProcess;
  let checker: ServiceProcess;
  const stream = randomUUID();

  let services: ApiServices | undefined;

  beforeAll(async () => {
    services = await startApiServices('http_fuzz', 'warn');
    ({ db, eventStore, checker } = services);
  }, 240_000);

  afterAll(async () => {
    await services?.stop();
  }, 60_000);

  /** Events, outbox rows and version of the fuzzed stream: all three move together or not at all. */
  const streamState = async () => {
    const { rows } = await db.pool.query<{ events: number; outbox: number; version: number }>(
      `SELECT (SELECT count(*)::int FROM event_store WHERE aggregate_id = $1) AS events,
              (SELECT count(*)::int FROM event_outbox WHERE aggregate_id = $1) AS outbox,
              (SELECT COALESCE(max(event_version), 0)::int FROM event_store WHERE aggregate_id = $1) AS version`,
      [stream],
    );
    return rows[0];
  };

  it(`event-store POST /streams/:id/events: ${RUNS.append} random appends, none 5xx, none half-written`, async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        contentType,
        // Mostly the fuzzed stream with no or a valid correlation id, so that accepted appends are
        // common enough to be reached in every run (fc.option's freq is the *nil* odds: 1/freq).
        fc.oneof(
          { weight: 4, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: pathSegment },
        ),
        fc.oneof(
          { weight: 2, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.uuid() },
          { weight: 1, arbitrary: headerText },
        ),
        async (body, type, otherPath, correlation) => {
          const before = await streamState();
          const headers: Record<string, string> = { 'content-type': type, ...bearer() };
          if (correlation !== undefined) headers['x-correlation-id'] = correlation;
          const result = await send(`${eventStore.url}/streams/${otherPath ?? stream}/events`, {
            method: 'POST',
            headers,
            body,
          });
          expectNo5xx('append', result);
          if (result) statuses.add(result.status);
          const after = await streamState();
          expect(after.events).toBe(after.outbox);
          expect(after.events).toBe(after.version);
          if (result && result.status === 201 && otherPath === undefined) {
            const accepted = (JSON.parse(result.body) as { events: unknown[] }).events.length;
            expect(after.events).toBe(before.events + accepted);
          } else if (otherPath === undefined) {
            expect(after).toEqual(before);
          }
          if (result && result.status >= 400) {
            // A 4xx says what was wrong in the services' error format.
            expect(JSON.parse(result.body)).toMatchObject({
              code: expect.any(String),
              message: expect.any(String),
            });
          }
          if (result && correlation !== undefined && correlation !== '') {
            // A caller's correlation id is kept as sent or refused with 400, never replaced.
            if (result.headers.get('x-correlation-id') !== correlation) expect(result.status).toBe(400);
          }
        },
      ),
      { numRuns: RUNS.append },
    );
    // The generators reach both sides: appends were accepted and refused (too large, invalid, …).
    expect([...statuses]).toEqual(expect.arrayContaining([201, 400, 413]));
  }, 120_000);

  it(`event-store reads (GET /streams/:id/events, /streams/:id, /events): ${RUNS.reads} random requests, none 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('stream-events', 'aggregate', 'all'),
        fc.oneof(fc.constant(stream), pathSegment),
        fc.option(queryValue, { nil: undefined }),
        fc.option(queryValue, { nil: undefined }),
        async (route, id, first, second) => {
          const q = (name: string, value: string | undefined) =>
            value === undefined ? '' : `${name}=${encode(value)}`;
          const url =
            route === 'stream-events'
              ? `${eventStore.url}/streams/${id}/events?${q('fromVersion', first)}`
              : route === 'aggregate'
                ? `${eventStore.url}/streams/${id}`
                : `${eventStore.url}/events?${q('after', first)}&${q('limit', second)}`;
          expectNo5xx(`GET ${url}`, await send(url, {}));
        },
      ),
      { numRuns: RUNS.reads },
    );
  }, 120_000);

  it(`consistency-checker endpoints: ${RUNS.checker} random requests, none 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('trigger', 'history', 'lineage', 'report', 'report.txt'),
        fc.option(queryValue, { nil: undefined }),
        fc.tuple(
          fc.oneof(fc.constantFrom('opportunity', 'proposal'), pathSegment),
          fc.oneof(fc.uuid(), pathSegment),
        ),
        rawBody,
        async (route, limit, [entity, id], body) => {
          const result =
            route === 'trigger'
              ? await send(`${checker.url}/consistency/runs`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json', ...bearer() },
                  body,
                })
              : route === 'history'
                ? await send(
                    `${checker.url}/consistency/runs?${limit === undefined ? '' : `limit=${encode(limit)}`}`,
                    {},
                  )
                : route === 'lineage'
                  ? await send(`${checker.url}/consistency/lineage/${entity}/${id}`, {})
                  : await send(`${checker.url}/consistency/${route}`, {});
          expectNo5xx(`consistency ${route}`, result);
        },
      ),
      { numRuns: RUNS.checker },
    );
  }, 120_000);

  it('names the limit: a 3 MB body is a 413, \\u0000 in data a 400 naming the field path, bad JSON a 400', async () => {
    const post = (body: string) =>
      send(`${eventStore.url}/streams/${stream}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer() },
        body,
      });
    const big = await post(
      JSON.stringify({
        aggregateType: 'Opportunity',
        expectedVersion: 'any',
        events: [{ eventType: 'E', data: { d: 'x'.repeat(3_000_000) } }],
      }),
    );
    expect(big?.status).toBe(413);
    expect(JSON.parse(big?.body ?? '{}')).toMatchObject({ details: { field: 'body', limit: 102_400 } });
    const nul = await post(
      JSON.stringify({
        aggregateType: 'Opportunity',
        expectedVersion: 'any',
        events: [{ eventType: 'E', data: { title: 'a\u0000b' } }],
      }),
    );
    expect(nul?.status).toBe(400);
    expect(JSON.parse(nul?.body ?? '{}')).toMatchObject({ details: { field: 'events.0.data.title' } });
    expect((await post('{"aggregateType":'))?.status).toBe(400);
    const badId = await send(`${eventStore.url}/events`, { headers: { 'x-correlation-id': 'not-a-uuid' } });
    expect(badId?.status).toBe(400);
    expect(JSON.parse(badId?.body ?? '{}')).toMatchObject({ details: { field: 'x-correlation-id' } });
  });

  it('the Kafka append-requests consumer dead-letters bad commands naming entity, id, field and limit, and keeps running', async () => {
    const kafka = createKafka(loadConfig(kafkaEnvSchema), {
      clientId: 'http-fuzz-e2e',
      logger: createLogger({ service: 'e2e', level: 'error', sink: () => undefined }),
    });
    const command = (data: string, extra = '') => {
      const aggregateId = randomUUID();
      return {
        aggregateId,
        value: `{"aggregateId":"${aggregateId}","aggregateType":"Proposal","expectedVersion":"any"${extra},"events":[{"eventType":"ProposalDrafted","data":${data}}]}`,
      };
    };
    const cases = [
      { ...command('{"title":"a\\u0000b"}'), field: 'events.0.data.title', limit: 'no \\u0000' },
      { ...command('{"title":"\\ud800"}'), field: 'events.0.data.title', limit: 'valid Unicode' },
      { ...command('{"amount":1e400}'), field: 'events.0.data.amount', limit: 'finite number' },
      { ...command('{}', ',"expectedVerison":1'), field: 'expectedVerison', limit: 'no unknown fields' },
      { ...command(`{"d":${'['.repeat(40)}${']'.repeat(40)}}`), field: 'events.0.data.d', limit: 32 },
    ];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'eventstore.append-requests',
      messages: [
        ...cases.map((c) => ({ key: c.aggregateId, value: c.value })),
        { key: 'x', value: 'not json {' },
      ],
    });
    await producer.disconnect();
    await waitFor(
      'every bad command dead-lettered with its field and limit',
      async () => {
        const letters = (await readWholeTopic(kafka, 'dlq.eventstore.append-requests')).map(
          (m) =>
            JSON.parse(String(m.value)) as { error: { code: string; details?: Record<string, unknown> } },
        );
        return cases.every((c) =>
          letters.some(
            (l) =>
              l.error.code === 'VALIDATION_FAILED' &&
              l.error.details?.entity === 'stream' &&
              l.error.details.id === c.aggregateId &&
              String(l.error.details.field).startsWith(c.field) &&
              l.error.details.limit === c.limit,
          ),
        );
      },
      60_000,
    );
    const written = await db.pool.query(
      'SELECT count(*)::int AS n FROM event_store WHERE aggregate_id = ANY($1::uuid[])',
      [cases.map((c) => c.aggregateId)],
    );
    expect(written.rows[0].n).toBe(0);
    expect(eventStore.child.exitCode).toBeNull();
    expect((await httpStatus(`${eventStore.url}/health/live`)).status).toBe(200);
  }, 90_000);
});
