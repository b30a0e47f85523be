import { readFileSync } from 'node:fs';

// CPU time (user + system, ms) of a process and its direct children (the cluster workers),
// read from /proc. Clock ticks are 100 Hz on Linux.
export function treeCpuMs(pid) {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  let ticks = 0;
  for (const p of [pid, ...children]) {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}
