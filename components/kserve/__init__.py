"""Phase 2: KServe on the private cluster — the platform (charts), the serving runtimes, and one component per model."""
