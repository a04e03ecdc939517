"""The torch network: embeddings, front-end, recurrence, pooling and head
(``_module``), the LSTM loops and the C++ kernel with its build, the losses."""
