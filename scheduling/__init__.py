"""Pure scheduling: agenda grids, conflict detection, calendars and schedule exports.

Never imports the app, Flask, SQLAlchemy or WTForms: plain dataclasses in, plain data or bytes out.
"""
