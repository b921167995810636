"""Pages for the holder of a private link: intake, results, check-in, course links, consultation, e-mail.

Every module puts its routes on the one `router` (`trdnav.web.patient.router`), whose route class
adds the private headers to every response; importing the package imports them all.
"""

from trdnav.web.patient import check_in, course_links, email_pages, intake, results
from trdnav.web.patient.router import router

__all__ = ["check_in", "course_links", "email_pages", "intake", "results", "router"]
