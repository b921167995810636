"""Pages for the holder of a private link: intake, results, check-in, course links, consultation."""
