"""Reference for bench/predict-upworthy.ts: which headline of a held-out A/B test wins.

  /usr/bin/python3 bench/reference/upworthy_rank.py DATA.csv.gz [test_share]

Split: the sorted unique test ids are permuted with numpy's default_rng(0); the first
`test_share` (default 0.2) of them are held out, the rest train. Model: TF-IDF word 1-2-grams
(fitted on the training headlines), then a logistic regression on pairwise differences: for
each training test, each pair of packages with different headlines and different CTRs gives
x_a - x_b labelled by which CTR is higher (and the mirrored pair). Scored on the held-out
tests: every pair with different headlines and different CTRs, and those whose difference is
significant (two-proportion z-test, |z| >= 1.96); a pair is right when the higher-CTR
headline scores higher (a tie counts a half).

Prints one JSON object: the held-out test ids (so the caller scores on the very same split),
pair counts and the two accuracies.
"""

import csv
import gzip
import json
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def pairs_of(rows, members):
    """Index pairs (a, b) within each test, different headlines and CTRs, with significance."""
    out = []
    for idx in members:
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                a, b = rows[idx[x]], rows[idx[y]]
                if a["headline"] == b["headline"] or a["ctr"] == b["ctr"]:
                    continue
                pooled = (a["clicks"] + b["clicks"]) / (a["impressions"] + b["impressions"])
                se = np.sqrt(pooled * (1 - pooled) * (1 / a["impressions"] + 1 / b["impressions"]))
                z = abs(a["ctr"] - b["ctr"]) / se if se > 0 else 0.0
                out.append((idx[x], idx[y], z >= 1.96))
    return out


def main():
    path = sys.argv[1]
    share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
    with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
        rows = []
        for r in csv.DictReader(f):
            impressions, clicks = float(r["impressions"]), float(r["clicks"])
            rows.append({"test": r["clickability_test_id"], "headline": r["headline"],
                         "impressions": impressions, "clicks": clicks, "ctr": clicks / impressions})
    tests = sorted({r["test"] for r in rows})
    order = np.random.default_rng(0).permutation(len(tests))
    held = {tests[i] for i in order[: int(round(share * len(tests)))]}
    by_test = {}
    for i, r in enumerate(rows):
        by_test.setdefault(r["test"], []).append(i)
    train_members = [m for t, m in by_test.items() if t not in held]
    test_members = [m for t, m in by_test.items() if t in held]
    headlines = [r["headline"] for r in rows]
    ctr = [r["ctr"] for r in rows]

    start = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    vectorizer.fit([headlines[i] for m in train_members for i in m])
    matrix = vectorizer.transform(headlines).tocsr()
    left, right_, labels = [], [], []
    for a, b, _ in pairs_of(rows, train_members):
        sign = 1 if ctr[a] > ctr[b] else 0
        left += [a, b]
        right_ += [b, a]
        labels += [sign, 1 - sign]
    x = matrix[left] - matrix[right_]
    model = LogisticRegression(C=1.0, fit_intercept=False, max_iter=2000)
    model.fit(x, np.array(labels))
    seconds = time.perf_counter() - start

    scores = matrix @ model.coef_.ravel()
    right = {"all": [0.0, 0], "significant": [0.0, 0]}
    for a, b, significant in pairs_of(rows, test_members):
        sa, sb = scores[a], scores[b]
        credit = 0.5 if sa == sb else float((sa > sb) == (ctr[a] > ctr[b]))
        for key in ["all"] + (["significant"] if significant else []):
            right[key][0] += credit
            right[key][1] += 1
    print(json.dumps({
        "heldOutTests": sorted(held),
        "trainingPairs": len(labels) // 2,
        "pairs": right["all"][1],
        "significantPairs": right["significant"][1],
        "accuracy": right["all"][0] / right["all"][1],
        "significantAccuracy": right["significant"][0] / right["significant"][1],
        "fitSeconds": seconds,
    }))


if __name__ == "__main__":
    main()
