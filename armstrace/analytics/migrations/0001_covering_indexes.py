"""PostgreSQL covering indexes for the analytics (issue 9): partial, narrow, so that the
aggregations read index pages instead of the wide trace rows (requests carry their texts,
answers their JSON) and the registry's events.

PostgreSQL only (INCLUDE and partial indexes over other apps' tables). They change no model
state: no migration of the tracing or registry app alters or drops them, and on SQLite
nothing is created. Each index names the selectors it serves.
"""

from django.db import migrations

INDEXES = {
    # traced() and recovery(): requests by the day the weapon was found.
    "analytics_request_found": (
        "tracing_tracerequest (found_on) INCLUDE (id, sent_at, parent_id, requesting_agency_id, "
        "requesting_state_id, weapon_type, country_of_manufacture_id, found_place, offence, "
        "found_context) WHERE sent_at IS NOT NULL"
    ),
    # trace_statistics(): requests by the time they were sent or received.
    "analytics_request_sent": (
        "tracing_tracerequest (sent_at) INCLUDE (id, direction, status, acknowledged_at, "
        "answered_at, requesting_agency_id, weapon_type) WHERE sent_at IS NOT NULL"
    ),
    # sdg_16_4_2(): the requests about a weapon, and their follow-ups.
    "analytics_request_weapon": (
        "tracing_tracerequest (weapon_id) INCLUDE (id) WHERE weapon_id IS NOT NULL"
    ),
    "analytics_request_parent": (
        "tracing_tracerequest (parent_id) INCLUDE (id) WHERE parent_id IS NOT NULL"
    ),
    # Every outcome figure: released answers and their outcome columns.
    "analytics_answer_outcome": (
        "tracing_traceanswer (request_id) INCLUDE (id, released_at, weapon_id, "
        "diversion_established, last_legal_event, last_legal_country, time_to_crime_days) "
        "WHERE released_at IS NOT NULL"
    ),
    # trace_statistics(): the steps to an answer, a delay, a restriction or a refusal.
    "analytics_event_step": (
        "tracing_traceevent (request_id) INCLUDE (status_after, grounds) WHERE kind = "
        "'transition' AND status_after IN ('answered_complete', 'answered_partial', 'delayed', "
        "'restricted', 'refused')"
    ),
    # sdg_16_4_2() until 0004 (its custody table replaced these two).
    "analytics_custody_day": (
        "registry_event (occurred_on) INCLUDE (weapon_id, kind) "
        "WHERE kind IN ('seized', 'found', 'surrendered')"
    ),
    "analytics_custody_weapon": (
        "registry_event (weapon_id, occurred_on, seq) INCLUDE (kind) "
        "WHERE kind IN ('seized', 'found', 'surrendered')"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("tracing", "0003_answer_outcome"),
        ("registry", "0007_fewer_fk_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
