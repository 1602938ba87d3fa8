import { randomBytes } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Module, Post, Put } from '@nestjs/common';
import { freePort } from '@mch/testing-stack';
import { AllowWithoutApiToken } from './allow-without-api-token.decorator';
import { bootstrapService, type RunningService } from './bootstrap-service';

const TOKEN = randomBytes(24).toString('hex');
const writes: string[] = [];

@Controller('things')
class ThingsController {
  readonly created: unknown[] = [];
  @Get() list() {
    return this.created;
  }
  @Post() @HttpCode(201) create(@Body() body: unknown) {
    this.created.push(body);
    return { created: this.created.length };
  }
  @Put(':id') replace() {
    return { replaced: true };
  }
  @Delete(':id') remove() {
    return { removed: true };
  }
  @Post('hook') @AllowWithoutApiToken('the test opts out') hook() {
    return { hooked: true };
  }
}
@Module({ controllers: [ThingsController] })
class ThingsModule {}

const definition = { name: 'guard-spec', stores: [] as const, imports: [ThingsModule] };

async function start(env: Record<string, string>): Promise<RunningService> {
  return bootstrapService(definition, {
    HTTP_PORT: String(await freePort()),
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    ...env,
  });
}

describe('ApiTokenGuard (a real service over HTTP)', () => {
  let service: RunningService;
  const call = (method: string, path: string, authorization?: string) =>
    fetch(`${service.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify({ name: 'x' }),
    });

  beforeAll(async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    service = await start({ API_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await service?.app.close();
    jest.restoreAllMocks();
  });

  it.each([
    ['no header', undefined, 'requires the header Authorization: Bearer <API_TOKEN>'],
    ['a wrong token of the same length', `Bearer ${'0'.repeat(TOKEN.length)}`, 'not valid'],
    ['a shorter token', `Bearer ${TOKEN.slice(0, -1)}`, 'not valid'],
    ['a longer token', `Bearer ${TOKEN}0`, 'not valid'],
    ['another scheme', `Basic ${TOKEN}`, "not 'Bearer <token>'"],
  ])(
    'refuses a POST with %s: 401 in the services error format, nothing done',
    async (_, authorization, words) => {
      const response = await call('POST', '/things', authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ code: 'UNAUTHENTICATED', details: { field: 'Authorization' } });
      expect(body.message).toContain(words);
      expect(body.correlationId).toBe(response.headers.get('x-correlation-id'));
      expect(await (await call('GET', '/things')).json()).toEqual([]);
    },
  );

  it('refuses PUT and DELETE without the token too', async () => {
    expect((await call('PUT', '/things/1')).status).toBe(401);
    expect((await call('DELETE', '/things/1', `Bearer ${TOKEN.toUpperCase()}`)).status).toBe(401);
  });

  it('lets the right token through, and GETs and opted-out routes without one', async () => {
    expect((await call('POST', '/things', `Bearer ${TOKEN}`)).status).toBe(201);
    expect((await call('DELETE', '/things/1', `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await call('GET', '/things')).status).toBe(200);
    expect((await call('GET', '/health/live')).status).toBe(200);
    expect((await call('POST', '/things/hook')).status).toBe(201);
  });

  it('never writes the token to the log', () => {
    const log = writes.join('');
    expect(log).toContain('"status":401');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(TOKEN.slice(0, 16));
  });
});

describe('a service with state-changing routes and no API_TOKEN', () => {
  it('refuses to start, naming API_TOKEN as a configuration error', async () => {
    await expect(start({})).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'Invalid configuration: API_TOKEN is missing',
    });
    await expect(start({ API_TOKEN: 'too-short' })).rejects.toMatchObject({
      message: 'Invalid configuration: API_TOKEN is invalid: must be at least 32 characters',
    });
  });
});

describe('a route the boot could not see (a module imported as a Promise) on a service without API_TOKEN', () => {
  it('is refused all the same (fail closed), while the service boots and serves GETs', async () => {
    const service = await bootstrapService(
      { name: 'guard-spec', stores: [], imports: [Promise.resolve({ module: ThingsModule })] },
      { HTTP_PORT: String(await freePort()), HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'error' },
    );
    try {
      const refused = await fetch(`${service.url}/things`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { message: string }).message).toContain('no API_TOKEN configured');
      expect((await fetch(`${service.url}/things`)).status).toBe(200);
    } finally {
      await service.app.close();
    }
  });
});
