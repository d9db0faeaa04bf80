"""Marking campaigns, found and seized weapons (ITI paras 8 and 9)."""
