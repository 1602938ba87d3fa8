/**
 * Decoder for the pgoutput logical replication protocol (version 1), as returned by
 * pg_logical_slot_peek_binary_changes: one message per row. Column values arrive in their text
 * output form; turning them into typed values is the mapping's job, the same as for the backfill.
 */
export interface RelationColumn {
  name: string;
  typeOid: number;
  isKey: boolean;
}

export interface Relation {
  id: number;
  schema: string;
  table: string;
  columns: RelationColumn[];
}

export type TupleValues = Record<string, string | null | undefined>;

export type PgOutputMessage =
  | { kind: 'begin'; finalLsn: bigint; xid: number }
  | { kind: 'commit'; commitLsn: bigint; endLsn: bigint }
  | { kind: 'relation'; relation: Relation }
  | { kind: 'insert'; relationId: number; newTuple: TupleValues }
  | { kind: 'update'; relationId: number; oldTuple: TupleValues | null; newTuple: TupleValues }
  | { kind: 'delete'; relationId: number; oldTuple: TupleValues }
  | { kind: 'truncate'; relationIds: number[] }
  | { kind: 'other'; tag: string };

class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  byte(): string {
    return String.fromCharCode(this.buffer[this.offset++]);
  }
  int8(): number {
    return this.buffer.readInt8(this.offset++);
  }
  int16(): number {
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint64(): bigint {
    const v = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  cstring(): string {
    const end = this.buffer.indexOf(0, this.offset);
    const s = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }
  bytes(n: number): string {
    const s = this.buffer.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }
}

/** Column values of a tuple; `undefined` marks an unchanged TOASTed value that was not sent. */
function readTuple(reader: Reader, relation: Relation | undefined, relationId: number): TupleValues {
  if (!relation) throw new Error(`pgoutput: tuple for unknown relation ${relationId} (no Relation message seen)`);
  const count = reader.int16();
  const values: TupleValues = {};
  for (let i = 0; i < count; i++) {
    const name = relation.columns[i]?.name ?? `column_${i}`;
    const kind = reader.byte();
    if (kind === 'n') values[name] = null;
    else if (kind === 'u') values[name] = undefined;
    else if (kind === 't') values[name] = reader.bytes(reader.int32());
    else throw new Error(`pgoutput: unknown tuple data kind '${kind}'`);
  }
  return values;
}

export class PgOutputDecoder {
  private readonly relations = new Map<number, Relation>();

  relation(id: number): Relation | undefined {
    return this.relations.get(id);
  }

  decode(buffer: Buffer): PgOutputMessage {
    const reader = new Reader(buffer);
    const tag = reader.byte();
    switch (tag) {
      case 'B': {
        const finalLsn = reader.uint64();
        reader.uint64(); // commit timestamp
        return { kind: 'begin', finalLsn, xid: reader.int32() };
      }
      case 'C': {
        reader.int8(); // flags
        const commitLsn = reader.uint64();
        const endLsn = reader.uint64();
        return { kind: 'commit', commitLsn, endLsn };
      }
      case 'R': {
        const id = reader.int32();
        const schema = reader.cstring();
        const table = reader.cstring();
        reader.int8(); // replica identity setting
        const count = reader.int16();
        const columns: RelationColumn[] = [];
        for (let i = 0; i < count; i++) {
          const flags = reader.int8();
          const name = reader.cstring();
          const typeOid = reader.int32();
          reader.int32(); // type modifier
          columns.push({ name, typeOid, isKey: (flags & 1) === 1 });
        }
        const relation = { id, schema, table, columns };
        this.relations.set(id, relation);
        return { kind: 'relation', relation };
      }
      case 'I': {
        const relationId = reader.int32();
        reader.byte(); // 'N'
        return { kind: 'insert', relationId, newTuple: readTuple(reader, this.relations.get(relationId), relationId) };
      }
      case 'U': {
        const relationId = reader.int32();
        const relation = this.relations.get(relationId);
        let marker = reader.byte();
        let oldTuple: TupleValues | null = null;
        if (marker === 'K' || marker === 'O') {
          oldTuple = readTuple(reader, relation, relationId);
          marker = reader.byte();
        }
        return { kind: 'update', relationId, oldTuple, newTuple: readTuple(reader, relation, relationId) };
      }
      case 'D': {
        const relationId = reader.int32();
        reader.byte(); // 'K' or 'O'
        return { kind: 'delete', relationId, oldTuple: readTuple(reader, this.relations.get(relationId), relationId) };
      }
      case 'T': {
        const count = reader.int32();
        reader.int8(); // options
        return { kind: 'truncate', relationIds: Array.from({ length: count }, () => reader.int32()) };
      }
      default:
        return { kind: 'other', tag };
    }
  }
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}
