"""Pulumi components, one per runtime and per cluster piece. Components never read stack config."""
