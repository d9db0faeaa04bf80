"""`field__matches=pattern`: a serial pattern (`?` one character, `*` any run) compiled to
each engine's index-friendly operator: GLOB on SQLite (case-sensitive, so the B-tree serves
the literal prefix), LIKE on PostgreSQL (served by varchar_pattern_ops and trigram indexes).
Patterns are normalised serials: they never hold % or _ of their own."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Lookup
from django.db.models.sql.compiler import SQLCompiler


@CharField.register_lookup
class Matches(Lookup[str]):
    lookup_name = "matches"

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = str(self.rhs)
        if connection.vendor == "sqlite":
            return f"{lhs} GLOB %s", [*lhs_params, pattern]
        return f"{lhs} LIKE %s", [*lhs_params, pattern.replace("*", "%").replace("?", "_")]
