"""The therapist's pages, one module per part: signing in, the account, sets, sharing,
progress. Each view is a plain function of a Visit (server/therapist/web.py)."""
