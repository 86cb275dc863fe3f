"""A therapist's sets: the list, making and changing one, duplicating and deleting.

Every set is looked up with the signed-in account's id (server/therapist/sets.py), so a set
of another therapist answers exactly as one that does not exist: 404 (HTTPException, which
``@page`` answers with the therapist's own page).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

import anyio
from babel.dates import get_day_names
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...exercises import Exercise
from ...exercises.kinds import Bounded, Timing
from ...exercises.model import Step
from ...i18n import LOCALES, N_, Language, language_name
from ...rules import SetLimits
from ...urls import Page
from ...views.errors import with_other_slash
from ..drafts import Draft as KeptForm
from ..forms import Draft, DraftItem, Errors, apply_action, check, read_form
from ..overview import QUERY_LENGTH, SORTS
from ..sets import StoredSet
from ..sharing import LABEL_LENGTH, LINK_DAYS
from ..web import Visit, page, visit_of

COPY_TITLE = N_("Copy of %(title)s")
# A value a set changes, on the set's page: with its unit ("6 breaths"), or after its label.
CHANGED_VALUE = N_("%(step)s — %(value)s (usually %(default)s)")
CHANGED_LABELLED = N_("%(step)s — %(label)s: %(value)s (usually %(default)s)")
SORT_NAMES = {
    "activity": N_("Last activity"),
    "title": N_("Title"),
    "label": N_("Label"),
}
NOTICES = {
    "saved": N_("The set is saved."),
    "copied": N_("This is a copy. It is not shared with anyone yet."),
    "deleted": N_("The set is deleted, and its links no longer work."),
    "revoked": N_("The link no longer works. The client keeps the set as it was."),
    # A link's own page, or one of its buttons, once the link no longer works.
    "link-gone": N_(
        "That link no longer works. The list of links below says why: it was used, stopped or "
        "has expired."
    ),
    "archived": N_("The set is archived. Its links go on working."),
    "restored": N_("The set is back in your list."),
}


@page("anyone")
async def missing_page(request: Request) -> Response:
    """Anything else under /t/<locale>/: not found, among the therapist's pages (no-store); a
    page asked for with a slash too many or too few leads to it instead."""
    if (page := with_other_slash(request)) is not None:
        return RedirectResponse(page, status_code=307)
    raise HTTPException(status_code=404)


async def owned(request: Request) -> StoredSet:
    """The set in the URL if the signed-in therapist owns it; else not found (404), whether
    it is another therapist's or does not exist."""
    visit = visit_of(request)
    set_id = str(request.path_params["set_id"])
    found = await anyio.to_thread.run_sync(visit.side.sets.get, visit.account_id, set_id)
    if found is None:
        raise HTTPException(status_code=404)
    return found


def _notice(request: Request) -> str | None:
    message = NOTICES.get(request.query_params.get("done", ""))
    return visit_of(request).gettext(message) if message else None


@page("signed_in")
async def list_sets(request: Request) -> Response:
    """The therapist's sets: searched by title or a link's label, sorted, archived apart."""
    visit = visit_of(request)
    query = request.query_params.get("q", "")[:QUERY_LENGTH]
    sort = request.query_params.get("sort", "")
    sort = sort if sort in SORTS else "activity"
    archived = request.query_params.get("archived") == "1"
    look = functools.partial(
        visit.side.overview.listed, visit.account_id, query=query, sort=sort, archived=archived
    )
    found, others = await anyio.to_thread.run_sync(look)
    titles = _exercise_titles(visit)
    summaries = {
        each.set.public_id: ", ".join(
            titles[item.exercise] for item in each.set.data.items if item.exercise in titles
        )
        for each in found
    }
    return visit.render(
        "t_sets.html",
        {
            "listed": found,
            "others": others,
            "query": query,
            "sort": sort,
            "sorts": [(key, visit.gettext(SORT_NAMES[key])) for key in SORTS],
            "archived": archived,
            "summaries": summaries,
            "notice": _notice(request),
        },
        page=Page("t_sets"),
    )


def _exercise_titles(visit: Visit) -> dict[str, str]:
    language = visit.side.catalogs.language(visit.locale)
    return {key: language.gettext(e.title) for key, e in visit.side.exercises.items()}


@page("signed_in")
async def show_set(request: Request) -> Response:
    return await set_page(request, await owned(request))


async def set_page(
    request: Request,
    found: StoredSet,
    *,
    label: str = "",
    label_error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The set's page; with ``label_error``, the label typed for a new link was refused, and
    the form shows it again beside the message."""
    visit = visit_of(request)
    shares = await anyio.to_thread.run_sync(visit.side.shares.for_set, found.id)
    return visit.render(
        "t_set.html",
        {
            "set": found,
            "items": _item_views(visit, found),
            "days": _day_names(visit.locale),
            "shares": shares,
            "language": language_name(found.data.locale),
            "notice": _notice(request),
            "label": label,
            "label_error": label_error,
            "label_length": LABEL_LENGTH,
            "link_days": LINK_DAYS,
        },
        page=Page.of("t_set", set_id=found.public_id),
        status_code=status_code,
    )


def _item_views(visit: Visit, found: StoredSet) -> list[dict[str, Any]]:
    language = visit.side.catalogs.language(visit.locale)
    views = []
    for item in found.data.items:
        exercise = visit.side.exercises.get(item.exercise)
        if exercise is None:
            continue
        changed = [
            _changed_value(visit, language, step, name, bounds, item.values[key])
            for key, step, name, bounds in exercise.adjustable("therapist")
            if key in item.values
        ]
        views.append(
            {
                "title": language.gettext(exercise.title),
                "note": item.note,
                "values": changed,
                "plan": item.plan,
            }
        )
    return views


def _changed_value(
    visit: Visit, language: Language, step: Step, name: str, bounds: Bounded, value: int
) -> str:
    """A value the set changes, as a sentence: "Breathing along — 6 breaths (usually 10)".

    Where the step's own summary (the exercise page's, the handout's) is this value with its
    unit, that says it; else the value's label does ("seconds breathing in: 4 (usually 6)"),
    never glued to the number as if it were a unit ("6 number of breaths").
    """

    def summary(chosen: int) -> str:
        values = {**step.values, name: replace(bounds, value=chosen)}
        return step.kind.summary(replace(step, values=values), language)

    title = language.gettext(step.title)
    if summary(bounds.low) != summary(bounds.high):  # the summary follows this value
        return visit.gettext(
            CHANGED_VALUE, step=title, value=summary(value), default=summary(bounds.value)
        )
    return visit.gettext(
        CHANGED_LABELLED,
        step=title,
        label=language.gettext(_label(step, name)),
        value=value,
        default=bounds.value,
    )


def _label(step: Step, name: str) -> str:
    spec = next(f.spec for f in step.kind.fields if f.name == name)
    assert isinstance(spec, Timing)
    return spec.label


def _day_names(locale: str) -> dict[str, str]:
    names = get_day_names("wide", locale=locale)
    return {str(day + 1): str(names[day]) for day in range(7)}


@page("signed_in", keeps_drafts=True)
async def new_set(request: Request) -> Response:
    visit = visit_of(request)
    if request.method == "GET":
        return _form(visit, Draft(locale=visit.locale), {}, None)
    return await _submitted(visit, None)


@page("signed_in", keeps_drafts=True)
async def edit_set(request: Request) -> Response:
    visit = visit_of(request)
    found = await owned(request)
    if request.method == "GET":
        return _form(visit, Draft.of(found.data), {}, found)
    return await _submitted(visit, found)


async def resume_draft(visit: Visit, draft: KeptForm) -> Response:
    """A set's form kept when its session ran out, sent again by the same account just signed
    in: saved when it was a valid save, else shown as it was, to finish."""
    found = None
    if draft.set_id is not None:
        get = functools.partial(visit.side.sets.get, visit.account_id, draft.set_id)
        found = await anyio.to_thread.run_sync(get)
        if found is None:  # deleted in another tab meanwhile
            return visit.redirect("t_sets")
    visit.form = FormData(list(draft.fields))
    return await _submitted(visit, found)


async def _submitted(visit: Visit, found: StoredSet | None) -> Response:
    exercises = visit.side.exercises
    assert visit.form is not None, "a POST past the CSRF check has its form"
    draft = read_form(visit.form, exercises)
    action = visit.field("action", 40) or "save"
    if action != "save":
        # Where each exercise and time was in the form sent, so that the script can carry over
        # what was typed while the answer was on its way (therapist.js).
        items, times = list(draft.items), list(draft.reminders)
        apply_action(draft, action, visit.field("new-exercise", 100), exercises)
        came_from = (_places(draft.items, items), _places(draft.reminders, times))
        focus = _focus_after(action, draft)
        return _form(visit, draft, {}, found, focus=focus, came_from=came_from)
    data, errors = check(draft, exercises)
    if data is None:
        return _form(visit, draft, errors, found, status_code=400)
    sets = visit.side.sets
    if found is None:
        public_id = await anyio.to_thread.run_sync(sets.create, visit.actor(), data)
    elif await anyio.to_thread.run_sync(sets.change, visit.actor(), found.public_id, data):
        public_id = found.public_id
    else:  # deleted in another tab meanwhile
        raise HTTPException(status_code=404)
    return visit.redirect("t_set", "?done=saved", set_id=public_id)


def _focus_after(action: str, draft: Draft) -> str:
    """Where the keyboard's focus goes after a button changed the form: on what changed."""
    name, _, index_text = action.partition(":")
    index = int(index_text) if index_text.isdigit() else 0
    last_item, last_time = len(draft.items) - 1, len(draft.reminders) - 1
    return {
        "add-item": f"items-{last_item}-note",
        "remove-item": "new-exercise",
        "up": f"up-{index - 1}" if index > 1 else f"down-{max(index - 1, 0)}",
        "down": f"down-{index + 1}" if index + 1 < last_item else f"up-{index + 1}",
        "add-reminder": f"reminders-{last_time}-days",
        "remove-reminder": "add-reminder",
    }.get(name, "")


def _places(now: list[Any], sent: list[Any]) -> list[int | None]:
    """Where each of ``now`` was in ``sent`` (the very object, not an equal one); None for one
    that is new."""
    return [next((i for i, was in enumerate(sent) if was is item), None) for item in now]


def _form(
    visit: Visit,
    draft: Draft,
    errors: Errors,
    found: StoredSet | None,
    *,
    focus: str = "",
    came_from: tuple[list[int | None], list[int | None]] | None = None,
    status_code: int = 200,
) -> Response:
    """The set's form; ``came_from``: after a button, where each exercise and time was in the
    form sent (None for a new one)."""
    language = visit.side.catalogs.language(visit.locale)
    exercises = visit.side.exercises
    messages = {
        name: visit.gettext(message, **values) for name, (message, values) in errors.items()
    }
    items = [
        _item_form(visit, i, item, exercises.get(item.exercise))
        for i, item in enumerate(draft.items)
    ]
    route, params = ("t_set_edit", {"set_id": found.public_id}) if found else ("t_set_new", {})
    return visit.render(
        "t_set_form.html",
        {
            "draft": draft,
            "found": found,
            "errors": messages,
            "items": items,
            "choices": sorted(
                ((key, language.gettext(e.title)) for key, e in exercises.items()),
                key=lambda choice: choice[1],
            ),
            "languages": [(locale, language_name(locale)) for locale in LOCALES],
            "days": _day_names(visit.locale),
            "action": visit.url(route, **params),
            "focus": focus,
            "came_from": came_from
            or (list(range(len(draft.items))), list(range(len(draft.reminders)))),
            "limits": SetLimits,
        },
        page=Page.of(route, **params),
        status_code=status_code,
    )


def _item_form(
    visit: Visit, index: int, item: DraftItem, exercise: Exercise | None
) -> dict[str, Any]:
    language = visit.side.catalogs.language(visit.locale)
    values = []
    if exercise is not None:
        for key, step, name, bounds in exercise.adjustable("therapist"):
            typed = item.values.get(key, "")
            values.append(
                {
                    "name": f"items-{index}-{key}",
                    "id": f"items-{index}-{key.replace('.', '-')}",
                    "step": language.gettext(step.title),
                    "label": language.gettext(_label(step, name)),
                    "value": typed if typed else str(bounds.value),
                    "min": bounds.low,
                    "max": bounds.high,
                    "default": bounds.value,
                }
            )
    return {
        "index": index,
        "exercise": item.exercise,
        "title": language.gettext(exercise.title) if exercise else item.exercise,
        "note": item.note,
        "values": values,
        "plan": item.plan,
    }


@page("signed_in")
async def duplicate_set(request: Request) -> Response:
    visit = visit_of(request)
    copied = await anyio.to_thread.run_sync(
        visit.side.sets.duplicate,
        visit.actor(),
        str(request.path_params["set_id"]),
        lambda title: visit.gettext(COPY_TITLE, title=title),
    )
    if copied is None:
        raise HTTPException(status_code=404)
    return visit.redirect("t_set", "?done=copied", set_id=copied)


@page("signed_in")
async def delete_set(request: Request) -> Response:
    visit = visit_of(request)
    found = await owned(request)
    if request.method == "GET":
        shares = await anyio.to_thread.run_sync(visit.side.shares.for_set, found.id)
        return visit.render(
            "t_set_delete.html",
            {"set": found, "live_shares": sum(1 for s in shares if not s.revoked_at)},
            page=Page.of("t_set_delete", set_id=found.public_id),
        )
    await anyio.to_thread.run_sync(visit.side.sets.delete, visit.actor(), found.public_id)
    return visit.redirect("t_sets", "?done=deleted")


@page("signed_in")
async def archive_set(request: Request) -> Response:
    """Archive a set, or take it out of the archive (the form says which)."""
    visit = visit_of(request)
    set_id = str(request.path_params["set_id"])
    archived = visit.field("action") != "restore"
    change = functools.partial(visit.side.sets.archive, visit.actor(), set_id, archived=archived)
    if not await anyio.to_thread.run_sync(change):
        # Not theirs, or already so: the set's page says how it is now (or 404).
        await owned(request)
    done = "archived" if archived else "restored"
    return visit.redirect("t_set", f"?done={done}", set_id=set_id)
