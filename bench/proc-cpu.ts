/**
 * CPU time of processes from /proc (Linux): user + system, all threads, in milliseconds.
 * The load harness reads it around each phase to show where the machine's CPU went per
 * job — in each assetport process, in PostgreSQL's processes, and in the harness itself.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: fields start after it.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone
  }
}

/**
 * The process's CPU time so far (0 when it is gone); with `reaped`, also that of its
 * children that have ended and been waited for (PostgreSQL's postmaster: the backends and
 * autovacuum workers that came and went).
 */
function cpuMs(pid: number, reaped = false): number {
  const f = statFields(pid);
  // After the name: state (index 0), ppid (1), … utime (11), stime (12), cutime (13), cstime (14).
  if (!f) return 0;
  const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** The process's command line as it shows it (PostgreSQL's processes name their role in it). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** The pids whose parent is `ppid`. */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === ppid) out.push(Number(name));
  }
  return out;
}

/**
 * CPU time of a changing set of processes between two points: each process's time at the
 * end minus its time at the start (0 for those that began in between). Processes that
 * ended in between are not counted — unless `reaper` is their parent: its time then
 * counts that of its children that ended (cpuMs with `reaped`), and what those had used
 * before the start is taken off.
 */
export class CpuMeter {
  private readonly start = new Map<number, number>();

  constructor(
    private readonly pids: () => number[],
    private readonly reaper?: number,
  ) {
    for (const p of pids()) this.start.set(p, cpuMs(p, p === reaper));
  }

  /** Milliseconds of CPU used since the meter was made. */
  read(): number {
    const now = this.pids();
    let sum = 0;
    for (const p of now) sum += cpuMs(p, p === this.reaper) - (this.start.get(p) ?? 0);
    if (this.reaper !== undefined) {
      const live = new Set(now);
      for (const [p, t] of this.start) if (!live.has(p)) sum -= t;
    }
    return sum;
  }
}
