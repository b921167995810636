"""Pages for signed-in staff: sign-in, workspace, admin, courses, session records, outcomes, reports."""
