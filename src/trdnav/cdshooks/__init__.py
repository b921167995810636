"""CDS Hooks 2.0: the service definitions, the prefetch, the cards and the client tokens.

The web layer (trdnav.web.cds) serves them; these modules hold no HTTP routing.
"""
