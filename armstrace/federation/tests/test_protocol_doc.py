"""The protocol document carries the schemas the code publishes, unchanged."""

from __future__ import annotations

from pathlib import Path

from armstrace.federation import messages

DOC = Path(__file__).resolve().parents[3] / "docs" / "architecture" / "federation.md"


def test_the_protocol_document_holds_the_current_schemas():
    text = DOC.read_text(encoding="utf-8")
    assert messages.with_schemas(text) == text, (
        "run: armstrace federation schemas --write docs/architecture/federation.md"
    )


def test_every_kind_has_a_published_schema():
    assert set(messages.schemas()) == {"envelope", *messages.BODIES}
