"""scikit-learn's LogisticRegression as the reference for bench/predict-hillstrom.ts.

Needs numpy and scikit-learn: on Debian, `apt-get install -y python3-sklearn`, then run
with the system interpreter, /usr/bin/python3.

  /usr/bin/python3 bench/reference/predict_hillstrom.py CSV SPLIT OUT

CSV is the Hillstrom file; SPLIT a JSON file written by the TypeScript bench with the test
row indices ({"test": [...]}: every other row is a training row). The features are the
bench's, one-hot encoded instead of hashed (see `design`), standardized with the training
rows' mean and standard deviation. For each target (visit, conversion) it fits:

  - one model on all arms: base features, the arm (one-hot) and arm x base-feature crosses;
  - for the two-model uplift, one model per arm on the base features of that arm's rows.

LogisticRegression(C=1.0, lbfgs, max_iter=5000), scikit-learn's defaults but for max_iter:
its L2 penalty 0.5 * ||w||^2 next to the summed log loss is lambda2 = 1 on the FTRL side. Writes the test predictions and uplifts to
OUT (JSON) for the bench to score with its own metrics, and prints one JSON line: versions,
fit seconds, and its own metrics (sklearn's roc_auc_score and log_loss, and scikit-uplift's
Qini coefficient and uplift@k, re-implemented below from their documented definitions since
sklift is not packaged for Debian) so the bench can check that both sides compute the same.
"""

import csv
import json
import math
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

ARMS = ["Mens E-Mail", "Womens E-Mail", "No E-Mail"]
CONTROL = "No E-Mail"
LEVELS = {
    "recency": [str(r) for r in range(1, 13)],
    "history_segment": [
        "1) $0 - $100", "2) $100 - $200", "3) $200 - $350", "4) $350 - $500",
        "5) $500 - $750", "6) $750 - $1,000", "7) $1,000 +",
    ],
    "zip_code": ["Urban", "Surburban", "Rural"],
    "channel": ["Phone", "Web", "Multichannel"],
}


def load(path):
    with open(path, newline="") as f:
        return [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(f)]


def base_features(rows, stats):
    """Base columns: standardized recency and log(history), the three flags, one-hot levels."""
    out = []
    for r in rows:
        x = [
            (float(r["recency"]) - stats["recency"][0]) / stats["recency"][1],
            (math.log(float(r["history"])) - stats["log_history"][0]) / stats["log_history"][1],
            float(r["mens"]), float(r["womens"]), float(r["newbie"]),
        ]
        for name, levels in LEVELS.items():
            x.extend(1.0 if r[name] == level else 0.0 for level in levels)
        out.append(x)
    return np.array(out)


def design(base, arms):
    """Single-model columns: base, arm one-hot, and arm x base crosses."""
    onehot = np.array([[1.0 if a == arm else 0.0 for arm in ARMS] for a in arms])
    crosses = [base * onehot[:, [k]] for k in range(len(ARMS))]
    return np.hstack([base, onehot] + crosses)


def fit(x, y):
    model = LogisticRegression(C=1.0, max_iter=5000)
    start = time.perf_counter()
    model.fit(x, y)
    return model, time.perf_counter() - start


# scikit-uplift 0.5 metrics, from their definitions (sklift.metrics).
def qini_curve(y, uplift, t):
    order = np.argsort(uplift, kind="mergesort")[::-1]
    y, uplift, t = y[order], uplift[order], t[order]
    ends = np.r_[np.where(np.diff(uplift))[0], uplift.size - 1]
    n_t = np.cumsum(t)[ends].astype(float)
    y_t = np.cumsum(y * t)[ends].astype(float)
    n = ends + 1
    n_c = n - n_t
    y_c = np.cumsum(y * (1 - t))[ends].astype(float)
    values = y_t - y_c * np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c != 0)
    return np.r_[0, n], np.r_[0.0, values]


def qini_auc_score(y, uplift, t):
    x_m, y_m = qini_curve(y, uplift, t)
    x_p, y_p = qini_curve(y, (y * t - y * (1 - t)).astype(float), t)
    baseline = x_p[-1] * y_p[-1] / 2
    return (np.trapz(y_m, x_m) - baseline) / (np.trapz(y_p, x_p) - baseline)


def uplift_at_k(y, uplift, t, k):
    order = np.argsort(uplift, kind="mergesort")[::-1]
    top = order[: int(len(y) * k)]
    return y[top][t[top] == 1].mean() - y[top][t[top] == 0].mean()


def main(csv_path, split_path, out_path):
    rows = load(csv_path)
    with open(split_path) as f:
        test = np.array(sorted(json.load(f)["test"]))
    is_test = np.zeros(len(rows), dtype=bool)
    is_test[test] = True
    train = np.where(~is_test)[0]

    def mean_sd(values):
        v = np.array([values[i] for i in train])
        return float(v.mean()), float(v.std())

    stats = {
        "recency": mean_sd([float(r["recency"]) for r in rows]),
        "log_history": mean_sd([math.log(float(r["history"])) for r in rows]),
    }
    base = base_features(rows, stats)
    arms = np.array([r["segment"] for r in rows])
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "stats": stats, "targets": {}}
    predictions = {}
    for target in ("visit", "conversion"):
        y = np.array([int(r[target]) for r in rows])
        single, single_seconds = fit(design(base[train], arms[train]), y[train])
        p_test = single.predict_proba(design(base[test], arms[test]))[:, 1]
        per_arm = {}
        arm_seconds = 0.0
        for arm in ARMS:
            rows_arm = train[arms[train] == arm]
            per_arm[arm], seconds = fit(base[rows_arm], y[rows_arm])
            arm_seconds += seconds
        result = {
            "singleFitSeconds": single_seconds,
            "twoModelFitSeconds": arm_seconds,
            "auc": float(roc_auc_score(y[test], p_test)),
            "logLoss": float(log_loss(y[test], p_test)),
            "uplift": {},
        }
        saved = {"test": p_test.tolist(), "uplift": {}}
        for arm in ARMS[:2]:
            rows_eval = test[(arms[test] == arm) | (arms[test] == CONTROL)]
            t = (arms[rows_eval] == arm).astype(int)
            two = (per_arm[arm].predict_proba(base[rows_eval])[:, 1]
                   - per_arm[CONTROL].predict_proba(base[rows_eval])[:, 1])
            one = (single.predict_proba(design(base[rows_eval], np.full(len(rows_eval), arm)))[:, 1]
                   - single.predict_proba(design(base[rows_eval], np.full(len(rows_eval), CONTROL)))[:, 1])
            saved["uplift"][arm] = {"twoModel": two.tolist(), "single": one.tolist()}
            result["uplift"][arm] = {
                name: {
                    "qini": float(qini_auc_score(y[rows_eval], u, t)),
                    "at10": float(uplift_at_k(y[rows_eval], u, t, 0.1)),
                    "at30": float(uplift_at_k(y[rows_eval], u, t, 0.3)),
                }
                for name, u in (("twoModel", two), ("single", one))
            }
        out["targets"][target] = result
        predictions[target] = saved
    with open(out_path, "w") as f:
        json.dump(predictions, f)
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: predict_hillstrom.py CSV SPLIT OUT")
    main(*sys.argv[1:])
