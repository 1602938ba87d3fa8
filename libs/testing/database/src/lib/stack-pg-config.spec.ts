import { StackConfigError, stackPgConfig } from './stack-pg-config';

const ENV = {
  PGHOST: '127.0.0.1',
  PGPORT: '55432',
  PGUSER: 'mch',
  PGPASSWORD: 'not-a-real-secret',
  PGDATABASE: 'medcontracthub',
};

describe('stackPgConfig', () => {
  it('reads the connection settings from the PG* variables', () => {
    expect(stackPgConfig(ENV)).toEqual({
      host: '127.0.0.1',
      port: 55432,
      user: 'mch',
      password: 'not-a-real-secret',
      database: 'medcontracthub',
    });
  });

  it.each(['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'])(
    'names %s when it is missing and says how to set it',
    (name) => {
      const env = { ...ENV, [name]: undefined };
      let error: unknown;
      try {
        stackPgConfig(env);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(StackConfigError);
      const message = (error as Error).message;
      expect(message).toContain(`${name} is not set`);
      expect(message).toContain('source .stack/stack.env');
      expect(message).toContain('npm test');
    },
  );

  it('treats an empty variable as missing', () => {
    expect(() => stackPgConfig({ ...ENV, PGUSER: '' })).toThrow(/PGUSER is not set/);
  });

  it('rejects a port that is not a TCP port, without echoing the password', () => {
    let message = '';
    try {
      stackPgConfig({ ...ENV, PGPORT: 'seventy' });
    } catch (caught) {
      message = (caught as Error).message;
    }
    expect(message).toContain('PGPORT must be a TCP port number');
    expect(message).not.toContain(ENV.PGPASSWORD);
  });
});
