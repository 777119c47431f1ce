"""Where the Triton model repository lives under a model's storage prefix (what KServe mounts at /mnt/models).

`python -m models package NAME --out DIR` writes TorchServe's tree at the top of the prefix (`config/`,
`model-store/`: the layout KServe's TorchServe runtime reads), and `--runtime triton` writes Triton's repository
in the subdirectory `triton/`. Triton treats every directory of its repository as a model and fails to start on
`config/` and `model-store/` (measured with Triton 2.51, tests/test_triton_packaging.py), so its repository
cannot be the prefix itself; in `triton/` both layouts share one prefix, and `runtime: triton` (and back) is a
one-line switch that keeps the storage URI.
"""
TRITON_REPOSITORY_DIR = "triton"
