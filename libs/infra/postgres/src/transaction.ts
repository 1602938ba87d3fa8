import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` in one transaction on a client of its own. On failure the work's own error is the one
 * thrown: when the connection is lost the ROLLBACK fails too, and throwing that would hide a
 * fencing conflict or a constraint behind a socket error. A client whose rollback failed is
 * destroyed, never given back to the pool for the next caller to fail on.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}
