"""The web app (the shell), one package per audience: `patient` (private-link pages), `staff`
(signed-in pages), `api` (the JSON API) and `middleware`; the app factory and what they share
(dependencies, templating, PDF, course views) sit here."""
