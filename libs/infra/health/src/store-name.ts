export const STORE_NAMES = ['postgres', 'kafka', 'clickhouse', 'weaviate'] as const;
export type StoreName = (typeof STORE_NAMES)[number];
