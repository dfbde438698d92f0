"""NumPy/SciPy reference recommenders for bench/recommend.ts, on the split that bench writes.

Needs numpy and scipy: on Debian, `apt-get install -y python3-numpy python3-scipy`, then run
with the system interpreter, /usr/bin/python3.

  /usr/bin/python3 bench/reference/recommend.py SPLIT.json

SPLIT.json holds the training purchases as parallel arrays (`user`, `item`, `count`: the
number of orders of the item by the user before the cut), the catalogue size `items`
(items bought by anyone before the cut), and the test users `testUsers`. For each test user
the script ranks the catalogue with four reference methods and prints, on its last line, one
JSON object: per method the top-10 item indices per test user over all items (`all`) and
over the items the user never bought before the cut (`unseen`), and each method's fit seconds.

- popular: items by number of distinct buyers before the cut.
- item-kNN: cosine similarity of the binary item columns (full matrix, self-similarity 0);
  a user's score for j is the sum of j's similarities to the user's items.
- EASE (Steck, WWW 2019), lambda = 200 on the binary matrix: B = I - P / diag(P),
  P = (X'X + lambda I)^-1; scores X B.
- own frequency: the user's own items by order count (ties by popularity), then the most
  popular items the user never bought.
The bench computes every metric itself, from these lists and its own, so both sides are
scored by one piece of code.
"""

import json
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp


def top_k(scores, k, exclude=None):
    s = scores.astype(np.float64, copy=True)
    if exclude is not None and len(exclude):
        s[exclude] = -np.inf
    idx = np.argpartition(-s, k)[:k]
    # Best first, ties by the lower index (as the bench does).
    order = np.lexsort((idx, -s[idx]))
    return [int(i) for i in idx[order]]


def main(path):
    with open(path) as f:
        split = json.load(f)
    n_users = int(split["users"])
    n_items = int(split["items"])
    user = np.asarray(split["user"], dtype=np.int64)
    item = np.asarray(split["item"], dtype=np.int64)
    count = np.asarray(split["count"], dtype=np.float64)
    test_users = np.asarray(split["testUsers"], dtype=np.int64)
    counts = sp.csr_matrix((count, (user, item)), shape=(n_users, n_items))
    binary = counts.copy()
    binary.data[:] = 1.0
    out = {"numpy": np.__version__, "scipy": scipy.__version__, "methods": {}, "seconds": {}}

    start = time.perf_counter()
    popularity = np.asarray(binary.sum(axis=0)).ravel()
    out["seconds"]["popular"] = time.perf_counter() - start

    start = time.perf_counter()
    gram = (binary.T @ binary).toarray()
    norms = np.sqrt(np.diag(gram))
    norms[norms == 0] = 1.0
    cosine = gram / norms[:, None] / norms[None, :]
    np.fill_diagonal(cosine, 0.0)
    out["seconds"]["item-kNN"] = time.perf_counter() - start

    start = time.perf_counter()
    lam = 200.0
    g = gram.astype(np.float64) + lam * np.eye(n_items)
    p = np.linalg.inv(g)
    ease = -p / np.diag(p)[None, :]
    np.fill_diagonal(ease, 0.0)
    out["seconds"]["EASE"] = time.perf_counter() - start

    methods = {name: {"all": [], "unseen": []} for name in ("popular", "item-kNN", "EASE", "own frequency")}
    pop_rank = popularity / (popularity.max() + 1.0)
    for u in test_users:
        row = binary.getrow(u)
        seen = row.indices
        x = row.toarray().ravel()
        own = counts.getrow(u).toarray().ravel()
        for name, scores in (
            ("popular", popularity),
            ("item-kNN", x @ cosine),
            ("EASE", x @ ease),
            # own order count dominates; popularity (scaled below 1) breaks ties and fills.
            ("own frequency", own + pop_rank),
        ):
            methods[name]["all"].append(top_k(scores, 10))
            methods[name]["unseen"].append(top_k(scores, 10, seen))
    out["methods"] = methods
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: recommend.py SPLIT.json")
    main(sys.argv[1])
