"""ArmsTrace: marking, record-keeping and tracing of small arms and light weapons."""
