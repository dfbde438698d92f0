"""scikit-learn's KMeans as the reference for functions/profile/kernels/kmeans.ts.

Needs numpy and scikit-learn: on Debian, `apt-get install -y python3-sklearn`, then run
with the system interpreter, /usr/bin/python3.

  /usr/bin/python3 bench/reference/kmeans.py
      Writes the test fixtures under test/fixtures/kmeans/:
      blobs.json      3000 x 6, five overlapping blobs plus a skewed (log-normal) column,
                      with scikit-learn's inertia for KMeans(n_clusters=5, n_init=3,
                      random_state=0), its labels and their silhouette score;
      separated.json  400 x 3, four well-separated blobs with their true labels.

  /usr/bin/python3 bench/reference/kmeans.py --bench FILE n d k n_init [repeat]
      Loads FILE (raw little-endian float64, n x d, row-major), fits KMeans with the
      'lloyd' and 'elkan' algorithms (each `repeat` times, default 1, keeping the fastest)
      and prints one JSON object: the versions, the thread counts in use, and for each
      algorithm the fit's seconds, inertia and iterations.
"""

import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_info

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "kmeans")


def write_json(name, payload):
    path = os.path.normpath(os.path.join(FIXTURES, name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path) // 1024} KiB)")


def flat(x):
    return [float(v) for v in x.ravel()]


def fixtures():
    # Five blobs close enough to overlap, and a sixth, right-skewed column (log-normal,
    # its scale depending on the blob) like spend or order counts.
    x, y = make_blobs(n_samples=3000, n_features=5, centers=5, cluster_std=2.5,
                      center_box=(-8, 8), random_state=0)
    rng = np.random.default_rng(0)
    skewed = rng.lognormal(mean=0.5 + 0.25 * y, sigma=0.6)
    x = np.round(np.column_stack([x, skewed]), 6)
    model = KMeans(n_clusters=5, n_init=3, random_state=0).fit(x)
    write_json("blobs.json", {
        "about": "make_blobs(3000, 5 features, 5 centers, std 2.5, random_state=0) plus a "
                 "log-normal column; sklearn KMeans(n_clusters=5, n_init=3, random_state=0)",
        "sklearnVersion": sklearn.__version__,
        "n": x.shape[0],
        "d": x.shape[1],
        "k": 5,
        "nInit": 3,
        "data": flat(x),
        "sklearnInertia": float(model.inertia_),
        "sklearnLabels": [int(v) for v in model.labels_],
        "sklearnSilhouette": float(silhouette_score(x, model.labels_)),
    })

    centers = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]], dtype=float)
    x, y = make_blobs(n_samples=400, centers=centers, cluster_std=0.8, random_state=1)
    write_json("separated.json", {
        "about": "make_blobs(400, 4 centers 10 apart, std 0.8, random_state=1) with true labels",
        "n": x.shape[0],
        "d": x.shape[1],
        "k": 4,
        "data": flat(np.round(x, 6)),
        "labels": [int(v) for v in y],
    })


def bench(path, n, d, k, n_init, repeat=1):
    x = np.fromfile(path, dtype="<f8").reshape(n, d)
    results = []
    for algorithm in ("lloyd", "elkan"):
        seconds = float("inf")
        for _ in range(repeat):
            model = KMeans(n_clusters=k, n_init=n_init, algorithm=algorithm, random_state=0)
            start = time.perf_counter()
            model.fit(x)
            seconds = min(seconds, time.perf_counter() - start)
        results.append({"algorithm": algorithm, "seconds": seconds,
                        "inertia": float(model.inertia_), "iterations": int(model.n_iter_)})
    pools = [{"api": p["user_api"], "library": p["internal_api"], "threads": p["num_threads"]}
             for p in threadpool_info()]
    print(json.dumps({
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "ompNumThreads": os.environ.get("OMP_NUM_THREADS"),
        "threadpools": pools,
        "results": results,
    }))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--bench":
        if len(sys.argv) not in (7, 8):
            sys.exit("usage: kmeans.py --bench FILE n d k n_init [repeat]")
        bench(sys.argv[2], *(int(v) for v in sys.argv[3:]))
    else:
        fixtures()
