"""What a saved file must hold, as two tables that ``load`` reads.

``ADDED_PARAMETERS``: every parameter added since the first file format, with
the value it had before it existed, so that a file saved by an older version
loads as that version behaved. ``SCHEMA``: every fitted attribute, its kind,
its shape and its value in a file saved before it existed.
"""

import copy
from numbers import Integral, Real

import numpy as np

from .._estimators._base import ARCHITECTURE, AUTO_CONV_FILTERS

# Since the first file format (0.2.0.dev0, commit 4c2935e), the value that
# reproduces how a model behaved before each parameter existed: a file
# without it loads with that value, not today's default. Every other
# parameter is in every file of its class (defaults that changed later, such
# as batch_size 32 -> 'auto' or early_stopping False -> 'auto', are saved).
ADDED_PARAMETERS = (
    # (parameter, its value before it existed, the version that added it)
    ("loss", "squared_error", "0.2"),  # regressors
    ("quantile", None, "0.2"),  # regressors
    ("categorical_features", None, "0.2"),
    ("embedding_dim", "auto", "0.2"),  # read only with categorical_features
    ("n_threads", "auto", "0.2"),  # torch's threads: no result depends on them
    ("weight_init", "torch", "0.3"),
    ("conv_layout", "serial", "0.3"),
    ("highway", 0, "0.3"),
    ("conv_norm", None, "0.3"),
    ("n_estimators", 1, "0.3"),
    ("conv_pool", 1, "0.3"),  # RNNRegressor, RNNClassifier
    ("average_decay", 0.0, "0.3"),
    ("features", None, "0.3"),  # SequenceScaler, SequenceImputer: all of them
    ("per_sequence", False, "0.3"),  # SequenceScaler
    ("since_observed", False, "0.3"),  # TimeFeatures
)
BEFORE = {name: value for name, value, _ in ADDED_PARAMETERS}


# Tests of a shape that reads other attributes (those above in SCHEMA); the
# first line of each docstring says what it expects.


def _features(v, o):
    """n_channels_in_ (one channel for 2D X)"""
    return v >= 1 and (
        o.n_channels_in_ == 1 if o._fitted_on_2d else v == o.n_channels_in_
    )


def _architecture(v, o):
    """the fit's parameters, each valid"""
    # Older files record fewer: the others are the saved parameters (or, for
    # those newer than the file, their values before they existed).
    names = [n for n in ARCHITECTURE if n in o._parameter_constraints]
    if not set(v) <= set(names):
        return False
    o._architecture = {n: v.get(n, getattr(o, n)) for n in names}
    try:
        fit_parameters(o)._validate_params()
    except ValueError as exc:
        raise ValueError(f"Invalid fitted attribute _architecture: {exc}") from None
    return True


def _conv_filters(v, o):
    """the convolutions of the fit's conv_filters"""
    chosen = fit_parameters(o)._conv_filters()
    return v in ((AUTO_CONV_FILTERS, ()) if chosen == "auto" else (chosen,))


def _downsample(v, o):
    """a multiple of conv_pool, the fit's downsample unless 'auto'"""
    fit = fit_parameters(o)
    fixed = getattr(fit, "downsample", 1)  # none: one output per step
    return fixed in (v, "auto") and v % fit._conv_pool(o.conv_filters_) == 0


def _floor_before(o):
    """Before 0.4 a Hampel neighbourhood's deviation had no floor."""
    if o.method != "hampel":
        return None
    return np.where(o._read_mask(), 0.0, np.nan)


def _stopping(v, o):
    """'held_out' or 'off'"""
    return v in ("held_out", "off")


def _stopping_before(o):
    """Before 0.4 a fit either stopped on a validation split (its scores are
    recorded) or did not."""
    return "off" if getattr(o, "validation_scores_", None) is None else "held_out"


def _categorical(v, o):
    """indices of features"""
    return all(_valid(j, "integer", 0, o) and j < o.n_channels_in_ for j in v)


def _categories(v, o):
    """one array of codes per categorical feature"""
    arrays = all(isinstance(c, np.ndarray) and c.ndim == 1 for c in v)
    return arrays and len(v) == len(o._categorical_)


def _classes(v, o):
    """one label per output, or the labels of one output"""
    return not o._multilabel or len(v) == o.n_outputs_


def _filters_before(o):
    """Before conv_filters='auto' the parameter was the network's own; a file
    that says 'auto' is newer, and must have recorded its choice."""
    fit = fit_parameters(o)
    if "auto" in (o.conv_filters, fit.conv_filters):
        return _REQUIRED
    return fit._conv_filters()


def _per_sequence_before(o):
    """0.2 scaled globally (per_sequence=False); the first per_sequence was a
    bool. A file that says 'auto' must have recorded its choice."""
    by_sequence = o.per_sequence
    return o._read_mask() & by_sequence if isinstance(by_sequence, bool) else _REQUIRED


def _batch_size_before(o):
    """Before 0.4 the batch size was not recorded: a fixed one is known."""
    return _OPTIONAL if o.batch_size == "auto" else o.batch_size


_REG = ("RNNRegressor", "RNNTimestepRegressor")
_CLF = ("RNNClassifier", "RNNTimestepClassifier")
_RNNS = _REG + _CLF
_PAD, _IMP, _SCALE = ("SequencePadder",), ("SequenceImputer",), ("SequenceScaler",)
_OUT = ("SequenceOutlierFilter",)
_ALL = _RNNS + _PAD + _IMP + _SCALE + _OUT + ("TimeFeatures",)
_REQUIRED, _OPTIONAL, _C = "required", "optional", "n_channels_in_"
# Every fitted attribute that save writes and load reads, in the order load
# checks them: (name, the classes that have it, its kind, its shape, its value
# in a file saved before it existed). A kind is a name of _KINDS or, otherwise,
# the dtype kinds of a 1-D array of at least one item; '?': or None. A shape is
# the least integer, the attribute that holds the length (None: any), or a test
# that may read the attributes above it. A value before: _REQUIRED where every
# file has the attribute, _OPTIONAL where only some fits set it, or a function
# of the object loaded so far.
SCHEMA = (
    ("n_channels_in_", _ALL, "integer", 1, _REQUIRED),
    ("_fitted_on_2d", _ALL, "bool", None, _REQUIRED),
    ("n_features_in_", _ALL, "integer", _features, _REQUIRED),
    ("feature_names_in_", _ALL, "OU", "n_features_in_", _OPTIONAL),
    ("n_outputs_", _RNNS, "integer", 1, _REQUIRED),
    ("_architecture", _RNNS, "dict", _architecture, _REQUIRED),
    # Before 0.3 a downsampling front-end's first convolution read the input
    # at its stride, where it now reads block means.
    ("_front_end_block_means", _RNNS, "bool", None, lambda o: False),
    ("conv_filters_", _RNNS, "tuple", _conv_filters, _filters_before),
    ("downsample_", _RNNS, "integer", _downsample, _REQUIRED),
    ("n_iter_", _RNNS, "integer", 0, _REQUIRED),
    ("loss_curve_", _RNNS, "numbers", "n_iter_", _REQUIRED),
    ("_rng", _RNNS, "generator", None, _REQUIRED),
    # Categorical features came with the per-step estimators (0.2).
    ("_categorical_", _RNNS, "tuple", _categorical, lambda o: ()),
    ("is_categorical_", _RNNS, "b?", _C, lambda o: None),
    ("categories_", _RNNS, "list", _categories, _OPTIONAL),
    ("validation_scores_", _RNNS, "numbers?", None, _OPTIONAL),
    ("best_validation_score_", _RNNS, "number?", None, _OPTIONAL),
    # 0.4: what early_stopping did, and the regressor's shrinkage and blend.
    ("early_stopping_", _RNNS, "text", _stopping, _stopping_before),
    ("shrinkage_", ("RNNRegressor",), "f?", "n_outputs_", lambda o: None),
    ("linear_share_", ("RNNRegressor",), "f?", "n_outputs_", lambda o: None),
    ("linear_steps_", ("RNNRegressor",), "integer", 0, lambda o: 0),
    ("batch_size_", _RNNS, "integer", 1, _batch_size_before),
    ("_y_1d", _REG, "bool", None, _REQUIRED),
    ("_y_mean", _REG, "f", "n_outputs_", _REQUIRED),
    ("_y_scale", _REG, "f", "n_outputs_", _REQUIRED),
    ("_multilabel", _CLF, "bool", None, _REQUIRED),
    ("classes_", _CLF, "biufUO", _classes, _REQUIRED),
    ("maxlen_", _PAD, "integer", 1, _REQUIRED),
    ("statistics_", _IMP, "f", _C, _REQUIRED),
    ("center_", _SCALE, "f", _C, _REQUIRED),
    ("scale_", _SCALE, "f", _C, _REQUIRED),
    ("per_sequence_", _SCALE, "b", _C, _per_sequence_before),
    ("lower_", _OUT, "f?", _C, _REQUIRED),
    ("upper_", _OUT, "f?", _C, _REQUIRED),
    ("n_outliers_", _OUT, "iu", _C, _REQUIRED),
    ("scale_floor_", _OUT, "f?", _C, _floor_before),
)
# Fitted attributes renamed since the first file format: (the name in older
# files, the name now). A file with both names is refused.
RENAMED_FITTED = (("_front_end_pools", "_front_end_block_means"),)  # after 0.3
_KINDS = {"integer": Integral, "number": Real, "bool": bool, "numbers": list}
_KINDS |= {"text": str}
_KINDS |= {"list": list, "tuple": tuple, "dict": dict, "generator": np.random.Generator}


def fitted_names(name):
    """The fitted attributes that objects of the class ``name`` save."""
    return {row[0] for row in SCHEMA if name in row[1]}


def renamed_fitted(fitted):
    """A file's fitted attributes (a dict) under today's names."""
    fitted = dict(fitted)
    for old, new in RENAMED_FITTED:
        if old in fitted and new not in fitted:
            fitted[new] = fitted.pop(old)
    return fitted


def check_fitted_schema(obj):
    """Refuse fitted attributes of the wrong kind or shape; give those that a
    file saved before they existed lacks their value from then."""
    name = type(obj).__name__
    for key, _, kind, shape, before in (row for row in SCHEMA if name in row[1]):
        if key not in vars(obj):
            value = before(obj) if callable(before) else before
            if value is _OPTIONAL:
                continue
            if value is _REQUIRED:
                raise ValueError(
                    f"Unexpected keys in the file: missing [{key!r}], extra []."
                )
            setattr(obj, key, value)
        value = getattr(obj, key)
        if not _valid(value, kind, shape, obj):
            raise ValueError(
                f"Invalid fitted attribute {key} in the file: expected "
                f"{_what(kind, shape)}, got {type(value).__name__}."
            )


def _valid(value, kind, shape, obj):
    """Whether ``value`` is of a SCHEMA row's kind and shape."""
    kind, nullable = kind.rstrip("?"), kind.endswith("?")
    if value is None:
        return nullable
    if kind in _KINDS:  # bools are not numbers
        ok = isinstance(value, _KINDS[kind])
        ok = ok and isinstance(value, bool) == (kind == "bool")
        ok = ok and (
            kind != "numbers" or all(_valid(v, "number", None, obj) for v in value)
        )
    else:
        ok = isinstance(value, np.ndarray) and value.dtype.kind in kind
        ok = ok and value.ndim == 1 and len(value) >= 1
    if not ok or shape is None:
        return ok
    if callable(shape):
        return shape(value, obj)
    return value >= shape if kind == "integer" else len(value) == getattr(obj, shape)


def _what(kind, shape):
    if callable(shape):
        return shape.__doc__
    what = kind if kind.rstrip("?") in _KINDS else f"an array of dtype kind {kind!r}"
    if shape is None:
        return what
    return f"{what} >= {shape}" if kind == "integer" else f"{what} of length {shape}"


def fit_parameters(est):
    """A copy of ``est`` with the parameters of its fit (they may have been
    set since)."""
    return copy.copy(est).set_params(**est._architecture)
