"""The therapist side: accounts, sign-in, sets, sharing them with a client, and the progress a
client chose to share. Pages live under ``/t/``; the client app reaches sets and progress
through a small JSON API (docs/sets.md). The package talks to the rest of the app only through
the exercise contract (server/exercises) and the database."""
