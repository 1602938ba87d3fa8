// Pure parts of the Debezium peer: the Connect worker and connector properties, and reading the
// connector's status from Connect's REST API (GET /connectors/<name>/status).

export interface DebeziumPeerOptions {
  bootstrapServers: string;
  restPort: number;
  offsetFile: string;
  connector: string;
  topicPrefix: string;
  partitions: number;
  slot: string;
  publication: string;
  table: string;
  pg: { host: string; port: number; user: string; password: string; database: string };
}

/** Properties file text; values must not contain line breaks (a property file has one per line). */
export function toProperties(props: Record<string, string | number>): string {
  return (
    Object.entries(props)
      .map(([key, value]) => {
        const text = String(value);
        if (/[\r\n]/.test(text)) throw new Error(`property ${key} must not contain a line break`);
        return `${key}=${text.replace(/\\/g, '\\\\')}`;
      })
      .join('\n') + '\n'
  );
}

export function workerProperties(o: DebeziumPeerOptions): Record<string, string | number> {
  return {
    'bootstrap.servers': o.bootstrapServers,
    listeners: `http://127.0.0.1:${o.restPort}`,
    'offset.storage.file.filename': o.offsetFile,
    'offset.flush.interval.ms': 1000,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter.schemas.enable': 'false',
  };
}

/** Initial snapshot only, of one table, into a topic of the same partition count as ours. */
export function connectorProperties(o: DebeziumPeerOptions): Record<string, string | number> {
  return {
    name: o.connector,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': 1,
    'plugin.name': 'pgoutput',
    'database.hostname': o.pg.host,
    'database.port': o.pg.port,
    'database.user': o.pg.user,
    'database.password': o.pg.password,
    'database.dbname': o.pg.database,
    'topic.prefix': o.topicPrefix,
    'table.include.list': o.table,
    'slot.name': o.slot,
    'publication.name': o.publication,
    'publication.autocreate.mode': 'filtered',
    'snapshot.mode': 'initial_only',
    // Numeric values as decimal text, as our events carry them (the default is base64 bytes).
    'decimal.handling.mode': 'string',
    // The broker does not auto-create topics: Connect creates the snapshot topic itself.
    'topic.creation.default.partitions': o.partitions,
    'topic.creation.default.replication.factor': 1,
  };
}

/** Snapshot topic name Debezium writes a table to. */
export function snapshotTopic(topicPrefix: string, table: string): string {
  return `${topicPrefix}.${table}`;
}

interface ConnectorStatus {
  connector?: { state?: string; trace?: string };
  tasks?: { id?: number; state?: string; trace?: string }[];
}

/** The failure Connect reports for the connector or one of its tasks, or null when none failed. */
export function connectorFailure(status: unknown): string | null {
  if (typeof status !== 'object' || status === null) throw new Error('connector status is not a JSON object');
  const s = status as ConnectorStatus;
  if (s.connector?.state === 'FAILED') return `connector FAILED: ${firstLine(s.connector.trace)}`;
  const task = (s.tasks ?? []).find((t) => t.state === 'FAILED');
  return task ? `task ${task.id ?? '?'} FAILED: ${firstLine(task.trace)}` : null;
}

function firstLine(trace: string | undefined): string {
  return (trace ?? 'no trace').split('\n', 1)[0];
}
