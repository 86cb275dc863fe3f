"""The therapist's pages under /t/<locale>/, and the JSON API the client app calls.

Who may see each page is declared on its view (``@page(access)``, server/therapist/web.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from ..state import app_state
from ..views.errors import CATCH_ALL
from . import api
from .views import account, activity, progress, sets, sharing, signin


async def static_file(request: Request) -> Response:
    return await app_state(request).therapist.templates.assets.serve(request)


_GET_POST = ["GET", "POST"]


def routes() -> list[BaseRoute]:
    """The routes mounted at /t in server/routes.py (which registers the locale convertor
    first: hence a function, called there)."""
    pages: list[BaseRoute] = [
        Route("/", signin.sign_in, methods=_GET_POST, name="t_sign_in"),
        Route("/code", signin.code, methods=_GET_POST, name="t_code"),
        Route("/password", signin.set_password, methods=_GET_POST, name="t_password"),
        Route("/sign-out", signin.sign_out, methods=["POST"], name="t_sign_out"),
        Route("/account", account.totp, methods=_GET_POST, name="t_totp"),
        Route("/account/activity", activity.activity, name="t_activity"),
        Route("/sets", sets.list_sets, name="t_sets"),
        Route("/sets/new", sets.new_set, methods=_GET_POST, name="t_set_new"),
        Route("/sets/{set_id}", sets.show_set, name="t_set"),
        Route("/sets/{set_id}/edit", sets.edit_set, methods=_GET_POST, name="t_set_edit"),
        Route(
            "/sets/{set_id}/duplicate", sets.duplicate_set, methods=["POST"], name="t_set_duplicate"
        ),
        Route("/sets/{set_id}/delete", sets.delete_set, methods=_GET_POST, name="t_set_delete"),
        Route("/sets/{set_id}/archive", sets.archive_set, methods=["POST"], name="t_set_archive"),
        Route("/sets/{set_id}/share", sharing.share, methods=["POST"], name="t_set_share"),
        Route("/sets/{set_id}/shares/{share_id}", sharing.show, name="t_share"),
        Route(
            "/sets/{set_id}/shares/{share_id}/replace",
            sharing.replace,
            methods=_GET_POST,
            name="t_share_replace",
        ),
        Route(
            "/sets/{set_id}/shares/{share_id}/label",
            sharing.label,
            methods=["POST"],
            name="t_share_label",
        ),
        Route(
            "/sets/{set_id}/shares/{share_id}/revoke",
            sharing.revoke,
            methods=["POST"],
            name="t_share_revoke",
        ),
        Route("/sets/{set_id}/progress", progress.progress, name="t_progress"),
        # Anything else under /t/<locale>/ is not found, in the therapist's pages (no-store).
        Route("/" + CATCH_ALL, sets.missing_page, methods=_GET_POST),
    ]
    return [
        Route("/static/{version}/{path:path}", static_file, name="t_static"),
        Mount("/{locale:locale}", routes=pages),
    ]


# The client app's API (docs/sets.md), in server/routes.py's table beside the others.
api_routes: list[BaseRoute] = [
    Route("/api/sets/open", api.open_set, methods=["POST"], name="sets_open"),
    Route("/api/sets/progress", api.opt_in, methods=["POST"], name="sets_progress"),
    Route("/api/progress/runs", api.post_runs, methods=["POST"], name="progress_runs"),
    Route("/api/progress", api.withdraw, methods=["DELETE"], name="progress_withdraw"),
]
