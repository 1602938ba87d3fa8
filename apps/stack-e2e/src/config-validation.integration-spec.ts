import { randomUUID } from 'node:crypto';
import { freePort } from '@mch/testing-stack';
import { startService } from './support/service-process';

describe('a service with bad configuration refuses to start and says why', () => {
  it('exits non-zero with one JSON error naming every missing or invalid variable, without secrets', async () => {
    // Secrets are set, one of them to an invalid value: a validator that echoed values would print it.
    const password = `pg-${randomUUID()}`;
    const token = `${randomUUID()}${randomUUID()}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: 'not-a-broker',
      PGHOST: '',
      PGPASSWORD: password,
      API_TOKEN: `${token}\n`,
    };
    const service = startService('kafka-migrator', await freePort(), env);
    const code = await Promise.race([
      service.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref()),
    ]);
    await service.stop();

    expect(code).toBe(1);
    const lines = service
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; msg: string; code?: string });
    const failure = lines.find((l) => l.level === 'error');
    expect(failure?.code).toBe('CONFIG_INVALID');
    expect(failure?.msg).toContain('PGHOST is missing');
    expect(failure?.msg).toContain('API_TOKEN is invalid');
    expect(failure?.msg).toContain("KAFKA_BROKERS is invalid: 'not-a-broker' is not host:port");
    expect(env.PGPASSWORD).toBe(password);
    expect(service.output()).not.toContain(password);
    expect(service.output()).not.toContain(token);
  }, 90_000);
});
