import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';

/**
 * weaviate-client 3.14 takes no CA option: REST goes through the global fetch and gRPC through
 * grpc-js with its default roots. A private CA is therefore added to this process's default
 * trusted CAs (tls.setDefaultCACertificates, Node >= 22.19 / 24.5), which both use; the system CAs
 * stay trusted, and other TLS clients of the process that give no CA of their own trust it too.
 * Setting NODE_EXTRA_CA_CERTS at process start has the same effect where code cannot be changed.
 */
export function trustCaFile(path: string): void {
  const pem = readFileSync(path, 'utf8');
  const added = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (added.length === 0) throw new Error(`WEAVIATE_CA_FILE ${path} holds no PEM certificate`);
  for (const cert of added) new X509Certificate(cert); // a malformed one fails here, naming no secret
  const current = tls.getCACertificates('default');
  const missing = added.filter((cert) => !current.includes(cert.trim()) && !current.includes(`${cert.trim()}\n`));
  if (missing.length > 0) tls.setDefaultCACertificates([...current, ...missing]);
}
