"""Reference for bench/ingest.ts: the same CSV read with Python's csv module, each row checked
(types, timestamp) and written as a JSON line to one of 16 shard buffers: the same work as
Tailor's ingestion core without its validation library. Prints JSON with seconds and rows."""
import csv, json, sys, time, zlib
from datetime import datetime

path = sys.argv[1]
start = time.perf_counter()
rows = 0
bad = 0
shards = [[] for _ in range(16)]
with open(path, newline='') as f:
    for row in csv.DictReader(f):
        rows += 1
        try:
            event = {
                'userId': row['userId'], 'type': row['type'], 'productId': row['productId'],
                'orderId': row['orderId'] or None,
                'timestamp': datetime.fromisoformat(row['timestamp'].replace('Z', '+00:00')).isoformat(),
                'quantity': float(row['quantity']) if row['quantity'] else None,
                'price': float(row['price']) if row['price'] else None,
            }
        except ValueError:
            bad += 1
            continue
        line = json.dumps(event)
        shard = shards[zlib.crc32(row['userId'].encode()) % 16]
        shard.append(line)
        if len(shard) > 10000:
            shard.clear()
print(json.dumps({'seconds': time.perf_counter() - start, 'rows': rows, 'bad': bad}))
