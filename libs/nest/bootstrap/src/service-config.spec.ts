import { loadServiceConfig } from './service-config';

const stores = {
  PGHOST: 'h',
  PGUSER: 'u',
  PGPASSWORD: 'p',
  PGDATABASE: 'd',
  KAFKA_BROKERS: 'k:9092',
};

describe('loadServiceConfig', () => {
  it('returns only the sections of the stores the service uses', () => {
    const config = loadServiceConfig(['postgres', 'kafka'], { ...stores, HTTP_PORT: '3101', HTTP_HOST: '127.0.0.1' });
    expect(config.service).toEqual({ HTTP_PORT: 3101, HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    expect(config.postgres?.PGHOST).toBe('h');
    expect(config.kafka?.KAFKA_BROKERS).toEqual(['k:9092']);
    expect(config.clickhouse).toBeUndefined();
  });

  it("names the missing variables of every store the service uses, and not other stores'", () => {
    let message = '';
    try {
      loadServiceConfig(['kafka', 'weaviate'], {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('KAFKA_BROKERS is missing');
    expect(message).toContain('WEAVIATE_HOST is missing');
    expect(message).not.toContain('PGHOST');
  });
});
