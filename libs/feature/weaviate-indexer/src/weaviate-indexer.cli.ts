import { parseArgs } from 'node:util';
import type { WeaviateClient } from 'weaviate-client';
import { backupIndex, deleteMigrationRun, restoreIndex } from '@mch/data-weaviate-index';
import { connectWeaviate } from '@mch/infra-weaviate';
import { loadConfigSections, weaviateEnvSchema, type Env } from '@mch/util-config';
import { DomainException, ErrorCode, isDomainException } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { collectionNames, SERVICE_NAME } from './index-settings';
import { weaviateIndexerConfigSchema } from './weaviate-indexer.config';

export const CLI_COMMANDS = ['backup', 'restore', 'delete-run'] as const;
export type CliCommand = (typeof CLI_COMMANDS)[number];

export const USAGE = `usage: ${SERVICE_NAME} [job]                       index (Job mode with MIGRATION_ID, or 'job' with MIGRATION_RUN: up to the end offsets at start, then exit)
       ${SERVICE_NAME} backup --id <backup-id>       back up the index collections (backup-filesystem)
       ${SERVICE_NAME} restore --id <backup-id> [--replace]   restore them (--replace deletes the current ones first)
       ${SERVICE_NAME} delete-run (--migration-run <name> | --migration-id <uuid>) [--dry-run]
                                              delete every object the run wrote (--dry-run: count only)`;

export function isCliCommand(value: string | undefined): value is CliCommand {
  return (CLI_COMMANDS as readonly string[]).includes(value ?? '');
}

function usageError(message: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, `${message}\n${USAGE}`, { entity: 'cli', field: 'argv' });
}

async function execute(command: CliCommand, args: string[], client: WeaviateClient, env: Env, logger: Logger): Promise<unknown> {
  const { app } = loadConfigSections({ app: weaviateIndexerConfigSchema }, env);
  const names = collectionNames(app);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        id: { type: 'string' },
        replace: { type: 'boolean', default: false },
        'migration-run': { type: 'string' },
        'migration-id': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  if (command === 'backup' || command === 'restore') {
    if (!parsed.id) throw usageError(`${command} needs --id <backup-id>`);
    return command === 'backup'
      ? backupIndex(client, names, parsed.id, logger)
      : restoreIndex(client, names, parsed.id, { replace: parsed.replace ?? false }, logger);
  }
  const run = parsed['migration-run'];
  const id = parsed['migration-id'];
  if ((run === undefined) === (id === undefined)) throw usageError('delete-run needs exactly one of --migration-run and --migration-id');
  const selector = run !== undefined ? { migrationRun: run } : { migrationId: id ?? '' };
  return deleteMigrationRun(client, names, selector, { dryRun: parsed['dry-run'] ?? false }, logger);
}

/**
 * One-shot rollback commands against Weaviate only (no Kafka, no HTTP server). Prints one JSON
 * line with the result; exit code 0 on success, 2 on bad usage or input, 1 on any other failure.
 */
export async function runCli(
  command: CliCommand,
  args: string[],
  logger: Logger,
  env: Env = process.env,
  output: { json?: boolean } = {},
): Promise<number> {
  let client: WeaviateClient | undefined;
  try {
    const { weaviate } = loadConfigSections({ weaviate: weaviateEnvSchema }, env);
    client = await connectWeaviate(weaviate);
    const result = await execute(command, args, client, env, logger);
    logger.info(`${command} done`, { command, result });
    if (output.json) process.stdout.write(`${JSON.stringify({ command, result })}\n`);
    return 0;
  } catch (error) {
    const code = isDomainException(error) ? error.code : 'FAILED';
    logger.error(`${command} failed: ${error instanceof Error ? error.message : String(error)}`, { command, code, error });
    return code === ErrorCode.ValidationFailed || code === ErrorCode.ConfigInvalid || code === ErrorCode.PreconditionFailed ? 2 : 1;
  } finally {
    await client?.close().catch(() => undefined);
  }
}
