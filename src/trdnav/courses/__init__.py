"""Treatment courses: protocols, the session calendar, session records and outcomes (pure code).

Nothing in this package does I/O: the web and store layers give it dates, records and scores,
and it gives back plans, checked values and figures.
"""
