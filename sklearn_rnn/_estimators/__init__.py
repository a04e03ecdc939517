"""The estimators: validation, transactional fit and prediction (``_base``),
where targets sit (``_targets``), what regression and classification add
(``_regressor``, ``_classifier``), and the four public classes."""
