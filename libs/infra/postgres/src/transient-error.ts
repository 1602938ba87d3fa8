/**
 * SQLSTATEs that say the connection or the server went away for a while, not that the statement is
 * wrong: class 08 (connection exception), the server shutting down or starting (57P01-57P03: a
 * failover, a restart, an administrator's pg_terminate_backend), too many connections, and the two
 * answers PostgreSQL itself says to retry (serialization failure, deadlock).
 */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);

/** Socket errors of a connection that dropped or could not be made (DNS too, during a failover). */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * node-postgres's own messages for the same cases; they carry no code: pg-pool's wait for a
 * connection (a starved or overloaded server), a connection that ended under a query, and a client
 * whose connection failed earlier.
 */
const TRANSIENT_MESSAGES = [
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable$/,
];

/**
 * Whether retrying the same work may succeed: the database or the way to it failed, not the work.
 * A wrong query, a constraint, a missing table or a permission is never transient.
 */
export function isTransientPostgresError(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: a socket error is made by Node's core, and where the code
  // runs in another realm (a vm context, as under jest) it is not an instance of this realm's Error.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SOCKET_CODES.has(code))
      return true;
  }
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}
