"""Signals tracing sends to the apps above it (a lower app never imports a higher one).

`outcome_recorded(sender=TraceAnswer, answer=TraceAnswer)`: an answer's outcome columns
were written (an answer released, or one received from another state recorded). Sent
after the transaction commits, so a listener sees the answer as stored and a rolled-back
release notifies nobody. The reporting app listens for diversion notices (T13).
"""

from django.dispatch import Signal

outcome_recorded = Signal()
