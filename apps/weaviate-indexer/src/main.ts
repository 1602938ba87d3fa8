import 'reflect-metadata';
import { runWeaviateIndexer } from '@mch/feature-weaviate-indexer';

// Consumes the opportunity and contract-document topics into Weaviate (a k8s Job sets
// MIGRATION_ID: index up to the topics' current end, then exit); `backup`, `restore` and
// `delete-run` are the rollback commands. Its processing log lives in PostgreSQL.
runWeaviateIndexer(process.argv.slice(2));
