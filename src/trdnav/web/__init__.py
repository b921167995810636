"""The web app (the shell): patient decision aid and JSON API."""
