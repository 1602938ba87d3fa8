/** A TabSeparated line and the partition (YYYYMM) it lands in. */
export interface PartitionedLine {
  line: string;
  partition: string;
}

/**
 * Splits a table's lines into INSERTs that each touch at most `limit` partitions (current servers
 * refuse a block over max_partitions_per_insert_block; a backfill batch spans every month of the
 * source's history). Within the limit, or without one, the batch stays one INSERT as it came.
 */
export function partitionGroups(rows: readonly PartitionedLine[], limit: number | null): string[][] {
  const byPartition = new Map<string, string[]>();
  for (const { line, partition } of rows) {
    const list = byPartition.get(partition);
    if (list) list.push(line);
    else byPartition.set(partition, [line]);
  }
  if (limit === null || byPartition.size <= limit) return rows.length === 0 ? [] : [rows.map((r) => r.line)];
  const partitions = [...byPartition.keys()].sort();
  const groups: string[][] = [];
  for (let i = 0; i < partitions.length; i += limit) {
    groups.push(partitions.slice(i, i + limit).flatMap((p) => byPartition.get(p) as string[]));
  }
  return groups;
}
