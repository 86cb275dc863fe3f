"""Every URL the app answers, in one place."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Mount, Route

from .i18n import LOCALES
from .therapist import routes as therapist
from .views import api, health, language, offline, pages


class LocaleConvertor(Convertor[str]):
    """Matches only a shipped locale, so ``/fr/`` or ``/about`` is simply not found."""

    regex = "|".join(LOCALES)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("locale", LocaleConvertor())


# The client's pages, in each language. Everything that links to them asks server/urls.py,
# so this table alone decides where they live.
page_routes = [
    Route("/", pages.home, name="home"),
    Route("/exercises/{exercise_id}", pages.exercise, name="exercise"),
    Route("/about", pages.template_page("about"), name="about"),
    Route("/help", pages.template_page("help"), name="help"),
    Route("/plan", pages.plan_page, name="plan"),
    Route("/settings", pages.settings_page, name="settings"),
    Route("/history", pages.template_page("history"), name="history"),
    Route("/offline", pages.template_page("offline"), name="offline"),
    Route("/reminders", pages.reminders_page, name="reminders"),
    # A set a therapist shared: the token rides in the fragment (#t=...), never sent here.
    Route("/set", pages.set_page, name="set"),
    # A set inside its own link, made without an account; online and in the export, not stored
    # offline (docs/sets.md, "A set inside the link").
    Route("/make-set", pages.make_set_page, name="make_set"),
    Route("/app.json", pages.app_json, name="app_json"),
]

routes = [
    Route("/", language.root, name="root"),
    Route("/lang/{locale:locale}/{page:path}", language.switch_language, name="switch_language"),
    Route("/static/{version}/{path:path}", offline.static_file, name="static"),
    Route("/sw.js", offline.service_worker, name="service_worker"),
    Route("/sw.js.map", offline.service_worker_map, name="service_worker_map"),
    Route("/offline/{version}/{part}.txt", offline.bundle, name="offline_bundle"),
    Route("/manifest-{locale:locale}.webmanifest", offline.manifest, name="manifest"),
    Route("/healthz", health.alive, name="healthz"),
    Route("/readyz", health.ready, name="readyz"),
    Route("/metrics", health.metrics, name="metrics"),
    Route("/api/push/key", api.push_key, methods=["GET"], name="push_key"),
    Route("/api/devices", api.create_device, methods=["POST"], name="devices"),
    Route(
        "/api/devices/{device_id}",
        api.update_device,
        methods=["PUT"],
        name="device_update",
    ),
    Route(
        "/api/devices/{device_id}",
        api.delete_device,
        methods=["DELETE"],
        name="device_delete",
    ),
    Route(
        "/api/calendar/{device_id}/{token}.ics",
        api.device_calendar,
        methods=["GET"],
        name="device_calendar",
    ),
    Route("/api/calendar.ics", api.calendar_download, methods=["POST"], name="calendar"),
    *therapist.api_routes,
    Mount("/t", routes=therapist.routes()),
    Mount("/{locale:locale}", routes=page_routes),
]
