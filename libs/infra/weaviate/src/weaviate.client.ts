import weaviate, { type WeaviateClient } from 'weaviate-client';
import type { WeaviateConfig } from '@mch/util-config';
import { rememberRestBase } from './weaviate-rest';
import { trustCaFile } from './weaviate.tls';

/**
 * Connects without the client's start-up checks, so a service boots while Weaviate is still
 * starting and reports it through readiness instead of crash-looping.
 */
export async function connectWeaviate(config: WeaviateConfig): Promise<WeaviateClient> {
  if (config.WEAVIATE_CA_FILE) trustCaFile(config.WEAVIATE_CA_FILE);
  const client = await weaviate.connectToCustom({
    httpHost: config.WEAVIATE_HOST,
    httpPort: config.WEAVIATE_HTTP_PORT,
    httpSecure: config.WEAVIATE_SECURE,
    grpcHost: config.WEAVIATE_HOST,
    grpcPort: config.WEAVIATE_GRPC_PORT,
    grpcSecure: config.WEAVIATE_SECURE,
    authCredentials: config.WEAVIATE_API_KEY ? new weaviate.ApiKey(config.WEAVIATE_API_KEY) : undefined,
    skipInitChecks: true,
    timeout: { init: 5, query: 30, insert: 120 },
  });
  rememberRestBase(client, `${config.WEAVIATE_SECURE ? 'https' : 'http'}://${config.WEAVIATE_HOST}:${config.WEAVIATE_HTTP_PORT}`);
  return client;
}
