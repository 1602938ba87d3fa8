import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ): 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/** Busy and total ticks of all CPUs from the first line of /proc/stat (idle and iowait count as not busy). */
export function parseProcStat(text: string): { busy: number; total: number } {
  const fields = /^cpu\s+([\d\s]+)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 5) throw new Error('/proc/stat has no aggregate cpu line');
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = fields[3] + fields[4];
  return { busy: total - idle, total };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; null once it is gone. */
export function parseProcessCpuSeconds(text: string): number {
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so utime (14) and stime (15) are rest[11] and rest[12].
  return (Number(rest[11]) + Number(rest[12])) / USER_HZ;
}

export function processCpuSeconds(pid: number): number | null {
  try {
    return parseProcessCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Fraction of the machine's CPU time that was busy between two readings of /proc/stat. */
export class MachineCpu {
  private readonly start = parseProcStat(readFileSync('/proc/stat', 'utf8'));

  busyFraction(): number {
    const now = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    const total = now.total - this.start.total;
    return total > 0 ? (now.busy - this.start.busy) / total : 0;
  }
}
