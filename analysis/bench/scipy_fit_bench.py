#!/usr/bin/env python3
"""scipy baseline for `lpsweep bench fit`: the published fitting method (scipy.optimize.least_squares,
loss='huber', default TRF, residual ln L - ln L_hat, 1000 where L_hat <= 0) run on exactly the starts
and data that lpsweep's fitter gets, timed in the same run.

usage: scipy_fit_bench.py PROBLEM.json RESULT.json [--limit K]
PROBLEM.json: {"n": [...], "d": [...], "loss": [...],
               "problems": [{"name", "form": "quartet"|"chinchilla", "delta", "starts": [[...], ...]}]}
RESULT.json:  {"scipy": version, "results": [{"name", "starts_run", "seconds", "failed", "best_cost", "best_x"}]}
With --limit K only the first K starts of each problem are run (seconds then covers K starts).
"""
import argparse
import json
import sys
import time
import warnings

import numpy as np

try:
    import scipy
    from scipy.optimize import least_squares
except ImportError as exc:
    sys.stderr.write(f"scipy_fit_bench.py: scipy is not available in {sys.executable}: {exc}\n")
    sys.exit(3)


def make_residual(form, n, d, loss):
    log_loss = np.log(loss)

    def quartet(p):
        a, alpha, b, beta, e, gamma = p
        pred = (np.exp(a) / n**alpha + np.exp(b) / d**beta) ** gamma + np.exp(e)
        return np.where(pred > 0, log_loss - np.log(np.where(pred > 0, pred, 1.0)), 1000.0)

    def chinchilla(p):
        a, alpha, b, beta, e = p
        pred = np.exp(a) / n**alpha + np.exp(b) / d**beta + np.exp(e)
        return np.where(pred > 0, log_loss - np.log(np.where(pred > 0, pred, 1.0)), 1000.0)

    return {"quartet": quartet, "chinchilla": chinchilla}[form]


def run(problem, n, d, loss, limit):
    residual = make_residual(problem["form"], n, d, loss)
    starts = problem["starts"][:limit] if limit else problem["starts"]
    best_cost, best_x, failed = float("inf"), None, 0
    t0 = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for x0 in starts:
            try:
                r = least_squares(residual, np.array(x0, dtype=float), loss="huber", f_scale=problem["delta"])
            except ValueError:  # residuals not finite at the start
                failed += 1
                continue
            if not np.isfinite(r.cost):
                failed += 1
            elif r.cost < best_cost:
                best_cost, best_x = float(r.cost), [float(v) for v in r.x]
    seconds = time.perf_counter() - t0
    return {"name": problem["name"], "starts_run": len(starts), "seconds": seconds, "failed": failed,
            "best_cost": best_cost, "best_x": best_x}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("problem")
    parser.add_argument("result")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    with open(args.problem) as f:
        spec = json.load(f)
    n, d, loss = (np.array(spec[k], dtype=float) for k in ("n", "d", "loss"))
    results = [run(p, n, d, loss, args.limit) for p in spec["problems"]]
    with open(args.result, "w") as f:
        json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "results": results}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
