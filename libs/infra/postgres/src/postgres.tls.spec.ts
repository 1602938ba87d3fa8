import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PostgresConfig } from '@mch/util-config';
import { postgresSslOptions } from './postgres.tls';

const dir = mkdtempSync(join(tmpdir(), 'mch-pg-tls-'));
const ca = join(dir, 'ca.crt');
writeFileSync(ca, 'CA PEM');
const base: PostgresConfig = {
  PGHOST: 'db',
  PGPORT: 5432,
  PGUSER: 'u',
  PGPASSWORD: 'p',
  PGDATABASE: 'd',
  PG_POOL_MAX: 1,
};

describe('postgresSslOptions (libpq sslmode semantics)', () => {
  it('is explicitly off for disable and when unset, so pg never reads PGSSLMODE itself', () => {
    expect(postgresSslOptions(base)).toBe(false);
    expect(postgresSslOptions({ ...base, PGSSLMODE: 'disable' })).toBe(false);
  });

  it('encrypts without checking the server for require', () => {
    expect(postgresSslOptions({ ...base, PGSSLMODE: 'require' })).toEqual({ rejectUnauthorized: false });
  });

  it('checks the chain but not the host name for verify-ca', () => {
    const options = postgresSslOptions({ ...base, PGSSLMODE: 'verify-ca', PGSSLROOTCERT: ca });
    expect(options).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('CA PEM') });
    expect(options && options.checkServerIdentity?.('other-host', {} as never)).toBeUndefined();
  });

  it("checks the chain and keeps Node's host name check for verify-full, with the client certificate", () => {
    const options = postgresSslOptions({
      ...base,
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: ca,
      PGSSLCERT: ca,
      PGSSLKEY: ca,
    });
    expect(options).toMatchObject({
      rejectUnauthorized: true,
      ca: Buffer.from('CA PEM'),
      cert: Buffer.from('CA PEM'),
      key: Buffer.from('CA PEM'),
    });
    expect(options && 'checkServerIdentity' in options).toBe(false);
  });
});
