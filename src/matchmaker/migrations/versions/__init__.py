"""Revisions, oldest first: ``r0001_initial``, ``r0002_events_results_jobs_keys``,
``r0003_vocabulary``."""
