import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';

type CreateSsl = (rootCerts?: Buffer | null, ...rest: unknown[]) => unknown;

const privateCas = new Set<string>();
let grpcPatched = false;

/**
 * weaviate-client 3.14 takes no CA option: REST goes through the global fetch and gRPC through
 * `ChannelCredentials.createSsl()` of grpc-js with no roots. A private CA is therefore trusted
 * - for REST by adding it to the process's default CAs (tls.setDefaultCACertificates, Node >= 22.19);
 * - for gRPC by giving grpc-js's createSsl (the instance weaviate-client itself loads) the system
 *   roots plus the CA when it is called without roots. grpc-js does not consult Node's default CA
 *   list (nor NODE_EXTRA_CA_CERTS; measured against the TLS stack), only the roots passed to it or
 *   GRPC_DEFAULT_SSL_ROOTS_FILE_PATH read when it loads.
 * The system CAs stay trusted; other TLS clients of the process that give no CA trust it too.
 */
export function trustCaFile(path: string): void {
  const pem = readFileSync(path, 'utf8');
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) throw new Error(`WEAVIATE_CA_FILE ${path} holds no PEM certificate`);
  for (const cert of certs) new X509Certificate(cert); // a malformed certificate fails here
  const added = certs.filter((cert) => !privateCas.has(cert));
  if (added.length === 0) return;
  for (const cert of added) privateCas.add(cert);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ...added]);
  patchGrpcRoots();
}

function patchGrpcRoots(): void {
  if (grpcPatched) return;
  const fromWeaviate = createRequire(require.resolve('weaviate-client'));
  const { ChannelCredentials } = fromWeaviate('nice-grpc') as {
    ChannelCredentials: { createSsl: CreateSsl };
  };
  const original = ChannelCredentials.createSsl;
  ChannelCredentials.createSsl = (rootCerts, ...rest) =>
    original.call(
      ChannelCredentials,
      rootCerts ?? Buffer.from([...tls.rootCertificates, ...privateCas].join('\n')),
      ...rest,
    );
  grpcPatched = true;
}
