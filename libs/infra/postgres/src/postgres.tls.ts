import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { PostgresConfig } from '@mch/util-config';

/**
 * pg's `ssl` option from the validated libpq settings. Always explicit: given none, pg would read
 * PGSSLMODE itself with libpq's lax defaults, bypassing the validation at boot.
 * - require: encrypted, server not checked (libpq semantics; for networks you already trust);
 * - verify-ca: certificate chain checked against PGSSLROOTCERT, host name not;
 * - verify-full: chain and host name (a DNS or IP SAN matching PGHOST) checked.
 */
export function postgresSslOptions(config: PostgresConfig): false | ConnectionOptions {
  const mode = config.PGSSLMODE ?? 'disable';
  if (mode === 'disable') return false;
  const clientCert =
    config.PGSSLCERT && config.PGSSLKEY
      ? { cert: readFileSync(config.PGSSLCERT), key: readFileSync(config.PGSSLKEY) }
      : {};
  if (mode === 'require') return { rejectUnauthorized: false, ...clientCert };
  const ca = readFileSync(config.PGSSLROOTCERT as string);
  if (mode === 'verify-ca')
    return { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined, ...clientCert };
  return { ca, rejectUnauthorized: true, ...clientCert };
}
