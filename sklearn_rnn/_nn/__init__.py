"""The torch network (``_network``: embeddings, front-end, recurrence,
pooling over real steps, head) and its parts, each in a file named by what it
holds; the ensemble; the LSTM loops and the C++ kernel with its build; the
losses. ``_module`` keeps 0.3's class paths for pickles."""
