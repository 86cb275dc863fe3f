"""Request handlers, split by page type; the routes that reach them are in server/routes.py."""
