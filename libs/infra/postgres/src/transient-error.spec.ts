import { runInNewContext } from 'node:vm';
import { isTransientPostgresError } from './transient-error';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isTransientPostgresError', () => {
  it.each([
    [
      'administrator terminated the backend',
      withCode('terminating connection due to administrator command', '57P01'),
    ],
    ['server starting up', withCode('the database system is starting up', '57P03')],
    ['connection failure', withCode('connection failure', '08006')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['serialization failure', withCode('could not serialize access', '40001')],
    ['deadlock', withCode('deadlock detected', '40P01')],
    ['refused socket', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['reset socket', withCode('read ECONNRESET', 'ECONNRESET')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['connection ended under a query', new Error('Connection terminated unexpectedly')],
    ['broken client', new Error('Client has encountered a connection error and is not queryable')],
    // What a socket error from another realm looks like here (jest runs specs in a vm context): not
    // an instance of this realm's Error. CI's failover spec failed on exactly this.
    ['reset socket from another realm', runInNewContext("Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })")],
  ])('retries: %s', (_name, error) => {
    expect(isTransientPostgresError(error)).toBe(true);
  });

  it.each([
    ['syntax error', withCode('syntax error at or near "SELEC"', '42601')],
    ['missing table', withCode('relation "nosuch" does not exist', '42P01')],
    ['permission', withCode('permission denied for table opportunities', '42501')],
    ['read-only transaction', withCode('cannot execute DELETE in a read-only transaction', '25006')],
    ['unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a plain error', new Error('boom')],
    ['not an error', 'timeout exceeded when trying to connect'],
    ['nothing', null],
  ])('does not retry: %s', (_name, error) => {
    expect(isTransientPostgresError(error)).toBe(false);
  });
});
