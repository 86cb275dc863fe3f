"""The therapist's pages, one module per part: signing in, the account, sets, sharing,
progress. Each view is a Starlette endpoint declared with ``@page(access)``, reading what the
decorator found through ``visit_of(request)`` (server/therapist/web.py)."""
