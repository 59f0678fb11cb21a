"""Placeholder: sub-commands registered here are being built (see the open issues)."""


def register(sub) -> None:  # noqa: ANN001
    return None
