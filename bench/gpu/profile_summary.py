"""Summarises ONNX Runtime profiles (runtime.profile_dir) of a run: per session (model) the number
of runs, their total / median / longest time, the time per operator type and provider, and the
distinct input shapes the first node saw with the time of the first run at each (stdlib only).
Usage: profile_summary.py DIR...   (prints text)
"""
import collections, glob, json, os, statistics, sys

for d in sys.argv[1:]:
    for path in sorted(glob.glob(os.path.join(d, "*.json"))):
        try:
            events = json.load(open(path))
        except Exception as e:  # a profile cut short
            print(f"{path}: unreadable ({e})")
            continue
        runs = [e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
        nodes = [e for e in events if e.get("cat") == "Node" and "op_name" in e.get("args", {})]
        by_op = collections.Counter()
        for e in nodes:
            by_op[(e["args"]["op_name"], e["args"].get("provider", "?"))] += e.get("dur", 0)
        first = nodes[0]["name"] if nodes else None
        shapes = collections.OrderedDict()
        for e in nodes:
            if e["name"] != first:
                continue
            shape = json.dumps(e["args"].get("input_type_shape"))
            shapes.setdefault(shape, []).append(e.get("dur", 0))
        durs = [r.get("dur", 0) for r in runs]
        print(f"== {os.path.basename(d)}/{os.path.basename(path)}")
        if durs:
            print(f"runs {len(durs)}: total {sum(durs)/1e6:.2f} s, median {statistics.median(durs)/1e3:.2f} ms, "
                  f"longest {max(durs)/1e3:.1f} ms, first {durs[0]/1e3:.1f} ms")
        total = sum(by_op.values()) or 1
        if durs:
            print(f"  node time per run (host side; CUDA kernels run on asynchronously) {total/len(durs)/1e3:.2f} ms "
                  f"of a run's mean {sum(durs)/len(durs)/1e3:.2f} ms; {len(nodes)//len(durs)} nodes a run")
        for (op, prov), us in by_op.most_common(10):
            print(f"  {op:<22} {prov:<26} {us/1e6:8.3f} s  {100*us/total:5.1f} %")
        print(f"  distinct input shapes at the first node ({first}): {len(shapes)}")
        for shape, ds in list(shapes.items())[:12]:
            print(f"    {shape}: {len(ds)} runs, first {ds[0]/1e3:.1f} ms, median {statistics.median(ds)/1e3:.2f} ms")
