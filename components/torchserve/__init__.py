"""Phase 1: TorchServe models as plain Deployments and Services."""
