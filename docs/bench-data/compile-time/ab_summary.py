# ab_summary.py RESULTS.csv: per benchmark, the old and new medians and new/old.
import sys
import csv, collections, statistics
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    if line.startswith('finished'): continue
    parts = next(csv.reader([line]))
    side, rnd, name, t = parts[0], parts[1], parts[2], float(parts[5])
    rows[name.replace('/real_time_median','')][side].append(t)
for name, d in rows.items():
    if 'old' in d and 'new' in d:
        o, n = statistics.median(d['old']), statistics.median(d['new'])
        print(f"{name:70s} old {o:12.2f} new {n:12.2f} new/old {n/o:5.3f}  (old {d['old']}, new {d['new']})")
