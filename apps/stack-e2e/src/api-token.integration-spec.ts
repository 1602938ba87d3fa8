import { randomUUID } from 'node:crypto';
import { freePort, type MigratedDatabase } from '@mch/testing-stack';
import { startApiServices, type ApiServices } from './support/api-services';
import {
  TEST_API_TOKEN,
  bearer,
  httpStatus,
  startService,
  waitFor,
  type ServiceProcess,
} from './support/service-process';

/**
 * Who may call what, against the services as their containers run them (own process, config
 * from the environment, real stores): a state-changing endpoint needs the bearer token, health,
 * metrics and read-only GETs do not, and a service with such endpoints does not start without it.
 */
describe('state-changing endpoints require the API token; health, metrics and reads stay open', () => {
  let db: MigratedDatabase;
  let eventStore: ServiceProcess;
  let checker: ServiceProcess;

  let services: ApiServices | undefined;

  beforeAll(async () => {
    services = await startApiServices('api_token', 'debug');
    ({ db, eventStore, checker } = services);
  }, 240_000);

  afterAll(async () => {
    await services?.stop();
  }, 60_000);

  const append = (aggregateId: string, headers: Record<string, string>) =>
    fetch(`${eventStore.url}/streams/${aggregateId}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        aggregateType: 'Opportunity',
        expectedVersion: 'no_stream',
        events: [{ eventType: 'OpportunityCreated', data: { title: 'Infusion pumps' } }],
      }),
    });
  const rows = async (aggregateId: string) =>
    (await db.pool.query('SELECT count(*)::int AS n FROM event_store WHERE aggregate_id = $1', [aggregateId]))
      .rows[0].n as number;

  it.each([
    ['no token', {}, 'requires the header Authorization: Bearer <API_TOKEN>'],
    ['a wrong token of the right length', bearer('f'.repeat(TEST_API_TOKEN.length)), 'not valid'],
    ['a token one character short', bearer(TEST_API_TOKEN.slice(0, -1)), 'not valid'],
    ['the token with a character more', bearer(`${TEST_API_TOKEN}a`), 'not valid'],
    ['the token under another scheme', { authorization: `Basic ${TEST_API_TOKEN}` }, "not 'Bearer <token>'"],
  ])(
    'event-store refuses an append with %s: 401 in the services error format, nothing appended',
    async (_, headers, words) => {
      const aggregateId = randomUUID();
      const correlationId = randomUUID();
      const response = await append(aggregateId, { ...headers, 'x-correlation-id': correlationId });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      const body = (await response.json()) as {
        code: string;
        message: string;
        details: { field: string };
        correlationId: string;
      };
      expect(body).toMatchObject({
        code: 'UNAUTHENTICATED',
        details: { field: 'Authorization' },
        correlationId,
      });
      expect(body.message).toContain(words);
      expect(await rows(aggregateId)).toBe(0);
    },
  );

  it('event-store appends with the right token, and serves reads without one', async () => {
    const aggregateId = randomUUID();
    const response = await append(aggregateId, bearer());
    expect(response.status).toBe(201);
    expect(await rows(aggregateId)).toBe(1);
    const read = await fetch(`${eventStore.url}/streams/${aggregateId}/events`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as unknown[]).length).toBe(1);
    expect((await fetch(`${eventStore.url}/events?limit=1`)).status).toBe(200);
  });

  it('consistency-checker starts a run only with the right token; its reports, history and metrics stay open', async () => {
    const trigger = (headers: Record<string, string>) =>
      fetch(`${checker.url}/consistency/runs`, { method: 'POST', headers });
    for (const headers of [
      {},
      bearer('0'.repeat(TEST_API_TOKEN.length)),
      bearer(TEST_API_TOKEN.slice(0, 32)),
    ]) {
      const refused = await trigger(headers);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({
        code: 'UNAUTHENTICATED',
        details: { field: 'Authorization' },
      });
    }
    const history = async () => (await (await fetch(`${checker.url}/consistency/runs`)).json()) as unknown[];
    expect(await history()).toEqual([]);

    const accepted = await trigger(bearer());
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ status: 'started' });
    await waitFor('the requested run in the history', async () => (await history()).length === 1, 60_000);

    const metrics = await fetch(`${checker.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# HELP /m);
  });

  it('health endpoints answer without a token', async () => {
    for (const service of [eventStore, checker]) {
      expect((await httpStatus(`${service.url}/health/live`)).status).toBe(200);
      expect((await httpStatus(`${service.url}/health/ready`)).status).toBe(200);
    }
  });

  it('neither service writes the token to its log, even at debug level', () => {
    for (const service of [eventStore, checker]) {
      const output = service.output();
      expect(output).toContain('"status":401');
      expect(output).not.toContain(TEST_API_TOKEN);
      expect(output).not.toContain(TEST_API_TOKEN.slice(0, 16));
    }
  });

  it.each([
    ['without API_TOKEN', undefined, 'API_TOKEN is missing'],
    ['with a 31-character API_TOKEN', 'x'.repeat(31), 'API_TOKEN is invalid: must be at least 32 characters'],
  ])(
    'event-store refuses to start %s, with one JSON error line naming it',
    async (_, token, words) => {
      const env: NodeJS.ProcessEnv = { ...process.env, PGDATABASE: db.name, OUTBOX_RELAY_ENABLED: 'false' };
      delete env.API_TOKEN;
      if (token) env.API_TOKEN = token;
      const service = startService('event-store', await freePort(), env);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        service.exited,
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 60_000))),
      ]).finally(() => clearTimeout(timer));
      await service.stop();
      expect(code).toBe(1);
      const errors = service
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: string; msg: string; code?: string })
        .filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'CONFIG_INVALID' });
      expect(errors[0].msg).toContain(words);
      if (token) expect(service.output()).not.toContain(token);
    },
    90_000,
  );
});
