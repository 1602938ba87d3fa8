import { parseClickHouseVersion } from './clickhouse.client';

describe('parseClickHouseVersion', () => {
  it('reads major and minor from old and current version strings', () => {
    expect(parseClickHouseVersion('18.16.1')).toEqual({ major: 18, minor: 16 });
    expect(parseClickHouseVersion('25.8.2.29')).toEqual({ major: 25, minor: 8 });
  });

  it('rejects text that is not a version', () => {
    expect(() => parseClickHouseVersion('unknown')).toThrow("unrecognised ClickHouse version 'unknown'");
  });
});
