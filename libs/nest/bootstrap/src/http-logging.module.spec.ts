import { Controller, Get, Logger, Module } from '@nestjs/common';
import { freePort } from '@mch/testing-stack';
import { newCorrelationId } from '@mch/util-correlation';
import { bootstrapService, type RunningService } from './bootstrap-service';

@Controller('things')
class ThingsController {
  private readonly log = new Logger('ThingsController');
  @Get() list() {
    this.log.log('listing things');
    return [];
  }
  @Get('broken') fail() {
    throw new Error('unexpected');
  }
}
@Module({ controllers: [ThingsController] })
class ThingsModule {}

const lines: Record<string, unknown>[] = [];

async function start(name: string): Promise<RunningService> {
  return bootstrapService(
    { name, stores: [], imports: [ThingsModule] },
    { HTTP_PORT: String(await freePort()), HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
  );
}

describe('HTTP request logs through nestjs-pino (a real service over HTTP)', () => {
  beforeAll(() => {
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      return true;
    });
  });
  afterAll(() => jest.restoreAllMocks());

  it("logs one 'http request' line per request with the caller's correlation id, and Nest's lines as JSON", async () => {
    const service = await start('http-log-spec');
    try {
      const id = newCorrelationId();
      const res = await fetch(`${service.url}/things?secret=q`, { headers: { 'x-correlation-id': id } });
      expect(res.headers.get('x-correlation-id')).toBe(id);
      await fetch(`${service.url}/health/live`);
      await fetch(`${service.url}/things/broken`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const requests = lines.filter((l) => l.msg === 'http request');
      expect(requests).toEqual([
        expect.objectContaining({ level: 'info', service: 'http-log-spec', correlation_id: id, method: 'GET', path: '/things', status: 200 }),
        expect.objectContaining({ service: 'http-log-spec', method: 'GET', path: '/things/broken', status: 500 }),
      ]);
      expect(typeof requests[0].duration_ms).toBe('number');
      expect(requests[1].correlation_id).toMatch(/^[0-9a-f-]{36}$/);
      // Lines logged while handling the request carry its id once (bound by the request logger).
      const inRequest = lines.find((l) => l.msg === 'listing things');
      expect(inRequest).toMatchObject({ context: 'ThingsController', correlation_id: id, service: 'http-log-spec' });
      const raw = JSON.stringify(inRequest);
      expect(raw.match(/correlation_id/g)).toHaveLength(1);
      expect(lines.find((l) => l.msg === 'service started')).toMatchObject({ service: 'http-log-spec', correlation_id: null });
    } finally {
      await service.app.close();
    }
  });

  it('a second service booted in the same process logs under its own name', async () => {
    const service = await start('http-log-spec-2');
    try {
      await fetch(`${service.url}/things`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines.filter((l) => l.msg === 'http request').at(-1)).toMatchObject({ service: 'http-log-spec-2' });
    } finally {
      await service.app.close();
    }
  });
});
