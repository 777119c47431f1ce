"""Karmada pieces of the platform: the InferenceService resource interpreter (see `interpreter`)."""
