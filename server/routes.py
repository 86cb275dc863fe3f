"""Every URL the app answers, in one place."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from .views import language, pages


async def static_file(request: Request) -> Response:
    return await request.state.assets.serve(request)


routes = [
    Route("/", language.root, name="root"),
    Route("/lang/{locale}/{page:path}", language.switch_language, name="switch_language"),
    Route("/static/{version}/{path:path}", static_file, name="static"),
    Mount(
        "/{locale}",
        routes=[
            Route("/", pages.home, name="home"),
            Route("/exercises/{exercise_id}", pages.exercise, name="exercise"),
            Route("/exercises/{exercise_id}/play", pages.play, name="play"),
            Route("/about", pages.about, name="about"),
            Route("/help", pages.help_page, name="help"),
        ],
    ),
]
