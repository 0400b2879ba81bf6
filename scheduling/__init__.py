"""Pure scheduling: agenda grids, conflict detection, calendars, schedule exports and the agenda
solver (`scheduling.solver`, on OR-Tools CP-SAT).

Never imports the app, Flask, SQLAlchemy or WTForms: plain dataclasses in, plain data or bytes out.
"""
