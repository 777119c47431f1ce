"""Counting what the mocks register: a rejected stack file must register nothing before its one-line error."""
from __future__ import annotations


def count_registrations(monkeypatch) -> list[str]:
    """From now on, every resource the mocks register, as "type::name", is appended to the returned list."""
    from stacks.render import RecordingMocks

    registered: list[str] = []
    original = RecordingMocks.new_resource

    def counting(self, args):
        registered.append(f"{args.typ}::{args.name}")
        return original(self, args)

    monkeypatch.setattr(RecordingMocks, "new_resource", counting)
    return registered
