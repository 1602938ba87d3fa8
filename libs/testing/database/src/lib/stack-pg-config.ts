/** The libpq variables the local stack's env file exports; all are required. */
export const STACK_PG_VARIABLES = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'] as const;

/** Connection settings in the shape pg's Client and Pool accept. */
export interface StackPgConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export class StackConfigError extends Error {
  override readonly name = 'StackConfigError';
}

/**
 * Connection settings of the local stack's PostgreSQL from the PG* environment variables.
 * Fails naming the first missing variable rather than letting pg fall back to defaults (a
 * different user or database) and fail later with a confusing authentication error.
 */
export function stackPgConfig(env: NodeJS.ProcessEnv = process.env): StackPgConfig {
  for (const name of STACK_PG_VARIABLES) {
    if (!env[name]) {
      throw new StackConfigError(
        `${name} is not set: run \`source .stack/stack.env\` in the repository root (after \`npm run stack up postgres\`), ` +
          'or run the tests through `npm test`, which loads it for you',
      );
    }
  }
  const port = Number(env['PGPORT']);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new StackConfigError(`PGPORT must be a TCP port number, got "${env['PGPORT']}"`);
  }
  return {
    host: env['PGHOST'] as string,
    port,
    user: env['PGUSER'] as string,
    password: env['PGPASSWORD'] as string,
    database: env['PGDATABASE'] as string,
  };
}
