"""Training: the skorch net and its callbacks, data and batching, and the
runtime of fit and predict (threads, device, seeds, denormal floats)."""
