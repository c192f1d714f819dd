"""Where a running process spends CPU, per thread name (stdlib only; Linux /proc).

  threads.py PID SECONDS    samples /proc/PID/task/*/stat at the start and after SECONDS

Prints one line per thread name: the CPU it used over the window as a share of one core
(100 % = one core busy all the time) and how many threads carry the name, busiest first, then
the machine's busy share of all its cores over the same window (/proc/stat). Threads started by
a named thread inherit its name (x264's and swscale's threads are counted with `encoding` or
`decoding`; ONNX Runtime's with the thread that made the session).
"""
import collections, os, sys, time


def tasks(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # utime, stime: fields 14 and 15 of stat, 12 and 13 after the name
        out[tid] = (name, int(fields[11]) + int(fields[12]))
    return out


def machine():
    with open("/proc/stat") as f:
        cpu = [int(v) for v in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu), idle


def main():
    pid, seconds = sys.argv[1], float(sys.argv[2])
    tick = os.sysconf("SC_CLK_TCK")
    before, (total0, idle0) = tasks(pid), machine()
    started = time.time()
    time.sleep(seconds)
    after, (total1, idle1) = tasks(pid), machine()
    wall = time.time() - started
    used = collections.Counter()
    count = collections.Counter()
    for tid, (name, ticks) in after.items():
        used[name] += ticks - before.get(tid, (name, 0))[1]
        count[name] += 1
    print(f"pid {pid}, {wall:.1f} s window")
    for name, ticks in used.most_common():
        print(f"{name:20s} {100 * ticks / tick / wall:7.1f} %  ({count[name]} threads)")
    busy = 1 - (idle1 - idle0) / max(1, total1 - total0)
    print(f"{'machine busy':20s} {100 * busy:7.1f} % of {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
