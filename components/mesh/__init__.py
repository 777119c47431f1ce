"""Phase 3's mesh: one Istio mesh over the private cluster and the public members, on separate networks."""
