"""Signals tracing sends to the apps above it (a lower app never imports a higher one).

`outcome_recorded(sender=TraceAnswer, answer=TraceAnswer)`: an answer's outcome columns
were written (an answer released, or one received from another state recorded). Sent
after the transaction commits, so a listener sees the answer as stored and a rolled-back
release notifies nobody. The reporting app listens for diversion notices (T13).

`event_appended(sender=TraceEvent, event=TraceEvent)`: a step was added to a request's
history (created, status changed, answer released or received, reminder, ...). Sent at
once, inside the transaction that made the change, so that a listener's own writes (a
federation outbox message) commit or roll back with it.
"""

from django.dispatch import Signal

outcome_recorded = Signal()
event_appended = Signal()
