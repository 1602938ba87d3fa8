import { readFile } from 'node:fs/promises';
import type { EntryProcess } from './service-process';

/** VmHWM (the kernel's resident-set high-water mark) of a live process, in bytes; null once it is gone. */
export async function rssHighWaterMark(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Peak memory of each process of the run. VmHWM only grows, so the last reading before a process
 * exits is its peak; one-shot Jobs are read every `everyMs` while they live, services too.
 */
export class PeakRss {
  private readonly peaks = new Map<string, number>();
  private readonly watched: EntryProcess[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 500) {
    this.timer = setInterval(() => void this.sample(), everyMs);
    this.timer.unref();
  }

  watch(...entries: EntryProcess[]): void {
    this.watched.push(...entries);
    void this.sample();
  }

  async sample(): Promise<void> {
    await Promise.all(
      this.watched.map(async (entry) => {
        if (entry.child.pid === undefined || entry.child.exitCode !== null) return;
        const bytes = await rssHighWaterMark(entry.child.pid);
        if (bytes !== null) this.peaks.set(entry.name, Math.max(bytes, this.peaks.get(entry.name) ?? 0));
      }),
    );
  }

  /** Process name -> peak RSS in MiB, largest first. */
  async stop(): Promise<[string, number][]> {
    await this.sample();
    clearInterval(this.timer);
    return [...this.peaks].map(([name, bytes]): [string, number] => [name, bytes / 2 ** 20]).sort((a, b) => b[1] - a[1]);
  }
}
