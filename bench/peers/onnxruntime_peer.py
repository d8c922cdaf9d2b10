#!/usr/bin/env python3
"""onnxruntime (python) peer of `npm run bench -- --peers`: a placeholder that reports why it is
skipped. Running a gatecot model in onnxruntime needs an ONNX export of it, which this build does
not have (issue 17 adds onnxruntime through onnxruntime-node separately); with onnxruntime not
importable (no PyPI here) there is nothing to run either way. Same arguments as numpy_peer.py.
"""
import json

try:
    import onnxruntime  # noqa: F401
    why = "no ONNX export of gatecot models in this build"
except Exception as e:
    why = f"onnxruntime not importable ({type(e).__name__})"
print(json.dumps({"peer": "onnxruntime", "skip": why}))
