"""One module per served model; each defines `model = Model(...)`."""
