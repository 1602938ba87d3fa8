import {
  connectorFailure,
  connectorProperties,
  snapshotTopic,
  toProperties,
  workerProperties,
  type DebeziumPeerOptions,
} from './connect-standalone';

const options: DebeziumPeerOptions = {
  bootstrapServers: '127.0.0.1:9092',
  restPort: 18083,
  offsetFile: '/tmp/x/offsets',
  connector: 'bench-dbz',
  topicPrefix: 'bench-dbz-1',
  partitions: 10,
  slot: 'bench_dbz_1',
  publication: 'bench_dbz_1',
  table: 'public.opportunities',
  pg: { host: '127.0.0.1', port: 5432, user: 'mch', password: 'p', database: 'bench' },
};

describe('Debezium peer configuration', () => {
  it('gives the snapshot topic the partition count of ours and snapshots only', () => {
    const props = connectorProperties(options);
    expect(props['topic.creation.default.partitions']).toBe(10);
    expect(props['snapshot.mode']).toBe('initial_only');
    expect(props['table.include.list']).toBe('public.opportunities');
    expect(snapshotTopic('bench-dbz-1', 'public.opportunities')).toBe('bench-dbz-1.public.opportunities');
  });

  it('uses the JSON converter without schemas on 127.0.0.1', () => {
    const props = workerProperties(options);
    expect(props['value.converter.schemas.enable']).toBe('false');
    expect(props.listeners).toBe('http://127.0.0.1:18083');
  });

  it('writes one property per line and refuses a value with a line break', () => {
    expect(toProperties({ a: 1, b: 'c:\\d' })).toBe('a=1\nb=c:\\\\d\n');
    expect(() => toProperties({ 'database.password': 'x\nlisteners=http://0.0.0.0:1' })).toThrow(
      'property database.password must not contain a line break',
    );
  });
});

describe('connectorFailure', () => {
  it('is null while the connector and its tasks run', () => {
    expect(
      connectorFailure({ connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'RUNNING' }] }),
    ).toBeNull();
  });

  it('names a failed task with the first line of its trace', () => {
    const status = {
      connector: { state: 'RUNNING' },
      tasks: [
        {
          id: 0,
          state: 'FAILED',
          trace: 'org.apache.kafka.connect.errors.ConnectException: slot in use\n\tat x',
        },
      ],
    };
    expect(connectorFailure(status)).toBe(
      'task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: slot in use',
    );
  });

  it('names a failed connector', () => {
    expect(connectorFailure({ connector: { state: 'FAILED', trace: 'boom' }, tasks: [] })).toBe(
      'connector FAILED: boom',
    );
  });

  it('refuses a status that is not an object', () => {
    expect(() => connectorFailure('nope')).toThrow('connector status is not a JSON object');
  });
});
