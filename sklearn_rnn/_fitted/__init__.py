"""A fitted model beyond predict: save and load, ONNX export, live streams,
explanations."""
