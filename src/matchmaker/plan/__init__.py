"""Planners: an event in, a plan out. They encode an event into the solvers' arrays, call the
solver, and decode its indices back into people, rooms and meetings, with reasons.

- :mod:`matchmaker.plan.breakouts`: breakout rooms over rounds (``plan_breakouts``).
- :mod:`matchmaker.plan.meetings`: partner pairs and 1:1 schedules (``plan_pairs``,
  ``plan_schedule``, ``replan_schedule``) and the event's score matrices.
"""
