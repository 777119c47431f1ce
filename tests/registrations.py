"""What the mocks register during a test: a rejected stack file must register nothing before its one-line error,
and tests that need a resource's raw inputs (secrets unwrapped, before the render redacts them) read them here."""
from __future__ import annotations


def record_registrations(monkeypatch) -> dict[str, dict]:
    """From now on, every resource the mocks register lands in the returned dict, in registration order, as
    "type::name" -> its inputs with secrets unwrapped."""
    from stacks import render

    recorded: dict[str, dict] = {}
    original = render.RecordingMocks.new_resource

    def recording(self, args):
        recorded[f"{args.typ}::{args.name}"] = render.unwrap_secrets(args.inputs)
        return original(self, args)

    monkeypatch.setattr(render.RecordingMocks, "new_resource", recording)
    return recorded
