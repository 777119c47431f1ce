"""Example PyTorch modules with deterministic weights (made at build time; no downloads)."""
