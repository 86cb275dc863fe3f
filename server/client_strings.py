"""Texts the browser's scripts show, translated on the server and embedded as JSON.

The scripts never carry their own copy of a language: each page hands them these strings in
its language, so one catalog per language stays the single source. Placeholders are Python's
named ones (``%(n)s``); pwa/js/i18n.js fills them in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .exercises import Exercise
from .exercises.kinds import Timing, Who
from .exercises.model import Step
from .i18n import N_, Language
from .rules import script_rules
from .urls import Urls

STRINGS: dict[str, str] = {
    # The exercise page, with the person's own timings (the same words as exercise.html).
    "about_length": N_("About %(duration)s"),
    # The player.
    "step_of": N_("Step %(n)s of %(total)s"),
    "round_of": N_("Round %(n)s of %(total)s"),
    "breath_of": N_("Breath %(n)s of %(total)s"),
    "time_left": N_("%(time)s left"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "paused": N_("Paused. Take all the time you need."),
    "back": N_("Back"),
    "next": N_("Next"),
    "next_soon": N_("You can go on in a moment."),
    "next_ready": N_("You can go on now."),
    # Differs from the big "STOP" of the boundary exercises in more than case.
    "stop": N_("Stop here"),
    "breathe_in": N_("Breathe in"),
    "hold": N_("Hold"),
    "breathe_out": N_("Breathe out"),
    "skip": N_("Skip"),
    "rate_low": N_("0: calm, no distress"),
    "rate_high": N_("10: the most distress you can imagine"),
    "rate_label": N_("Your tension or distress, from 0 to 10"),
    "rate_save": N_("Save and go on"),
    "rate_choose": N_("Choose a number first, or skip this question."),
    # A high rating before, or a clear rise after: an offer, never a block.
    "high_title": N_("That is a lot of tension."),
    "high_text": N_(
        "You decide what helps now. You can come back to the here and now first, or see where "
        "to find help. Or go on with the exercise, at your own pace."
    ),
    "rise_text": N_(
        "Your tension went up during this exercise. That happens, and it says nothing about "
        "you. If you like, come back to the here and now, or see where to find help."
    ),
    "ground_now": N_("Back to the here and now"),
    "see_help": N_("Where to find help"),
    "go_on": N_("Go on with the exercise"),
    "way_out_help": N_("Need help now?"),
    "note_label": N_("Your words (they stay on this device)"),
    "note_save": N_("Keep and go on"),
    "note_last_time": N_("Your words from last time"),
    "taps": N_("Times you said it: %(count)s."),
    "closing": N_("Closing"),
    "finished": N_("The exercise is over. Take your time before you go on."),
    "finish": N_("Finish"),
    "stopped": N_("You stopped the exercise. That is fine: you decide."),
    "to_exercises": N_("Back to the exercises"),
    "to_history": N_("See your history"),
    "resumed": N_("Picking up where you left off."),
    # The app itself: updates, offline, installing.
    "update_ready": N_("A new version of Houvast is ready."),
    "update_now": N_("Update now"),
    "offline_ready": N_("Houvast is now saved on this device and works without a connection."),
    "close": N_("Close"),
    "install_offer": N_("Put Houvast on your home screen to open it like an app, even offline."),
    "install": N_("Install"),
    "not_now": N_("Not now"),
    "ios_install": N_(
        "To put Houvast on your home screen: tap ‘Share’ (in Safari sometimes first on •••), "
        "then ‘Add to Home Screen’."
    ),
    "got_it": N_("Got it"),
    # Settings (the timings' own labels come from server/exercises/kinds.py).
    "error_number": N_("Enter a whole number."),
    "error_range": N_("Choose a value from %(min)s to %(max)s."),
    "error_pace": N_("Choose a pace from 0.5 to 2."),
    "error_volume": N_("Choose a volume from 0 to 100."),
    "saved": N_("Saved. The changes apply to your next exercise."),
    "not_saved": N_("Nothing was saved. Please correct the marked fields."),
    "reset_done": N_("Back to the default timings."),
    # History.
    "completed": N_("Completed"),
    "stopped_short": N_("Stopped"),
    "no_runs": N_("No exercises yet. When you do one, it appears here."),
    "show_more": N_("Show %(count)s older (%(left)s left)"),
    "before_after": N_("Distress %(before)s → %(after)s"),
    "chart_runs": N_("Exercises per week"),
    "chart_change": N_("Average change in distress (after minus before)"),
    "week_of": N_("Week of %(date)s"),
    "imported": N_("Imported: %(count)s. Already here: %(skipped)s."),
    "import_error": N_("This file could not be imported, so nothing changed: %(reason)s"),
    "import_not_json": N_("it is not a Houvast export (not valid JSON)."),
    "import_wrong_shape": N_("it is not a Houvast export."),
    "import_bad_run": N_("entry %(n)s is incomplete or damaged."),
    "deleted": N_("Everything was deleted."),
    "unknown_exercise": N_("An exercise that no longer exists"),
    "chart_title": N_("Exercises and change in distress over the last %(weeks)s weeks"),
    "chart_desc": N_(
        "Exercises in these weeks: %(count)s. The table after the chart gives the figures "
        "for each week."
    ),
    "chart_week": N_("Week"),
    "chart_no_change": N_("no ratings"),
    "exported": N_("Saved as %(name)s. You will find it with your downloads."),
    "storage_error": N_("Something went wrong on this device. Please try again."),
    # The plan for hard moments, as the player's offer of help shows parts of it.
    "plan_open": N_("My plan"),
    "plan_too_much": N_("Signs that it is getting too much"),
    "plan_too_little": N_("Signs that I am shutting down"),
    "plan_helps": N_("What helps me"),
    # ... and as the summary for a session does (history page).
    "sum_plan": N_("My plan for hard moments"),
    "plan_people": N_("People I can call or message"),
    "plan_care": N_("My care contacts"),
    "plan_care_therapist": N_("My therapist or practice"),
    "plan_care_gp": N_("My GP"),
    "plan_care_gpPost": N_("Out-of-hours GP service"),
    "storage_unavailable": N_(
        "This browser does not let Houvast keep a history here, for example in a private window."
    ),
    # The summary for a session (history page, #summary).
    # Translators: from and to are dates without a year ("2 Nov").
    "sum_period": N_("From %(from)s to %(to)s %(year)s"),
    "sum_none": N_("No exercises in these weeks."),
    "sum_total": N_(
        "Exercises: %(count)s (completed %(completed)s, stopped %(stopped)s), on %(days)s days."
    ),
    "sum_rated": N_(
        "Rated before and after: %(count)s times. Average distress %(before)s before, "
        "%(after)s after (0 to 10)."
    ),
    "sum_exercises": N_("Per exercise, with the average distress (0 to 10) of the times rated"),
    "sum_weeks": N_("Per week, with the average change in distress (after minus before)"),
    "sum_exercise": N_("Exercise"),
    "sum_times": N_("Times"),
    "sum_times_stopped": N_("%(count)s (%(stopped)s stopped)"),
    "sum_before": N_("Before"),
    "sum_after": N_("After"),
    "sum_change": N_("Difference"),
    # The PIN that locks the history (settings and history).
    "pin_heading": N_("Lock your history"),
    "pin_intro": N_(
        "With a PIN, your history, the words you kept and the parts of your plan you keep to "
        "yourself are stored locked on this device, so that someone else using this phone cannot "
        "read them. Practising, the way out and the rest of your plan never ask for it."
    ),
    "pin_choose": N_("Choose a PIN"),
    "pin_warning": N_(
        "Before you choose one: if you forget your PIN, nobody can open your history again, not "
        "even Houvast. You could only start fresh, and everything kept here would be deleted."
    ),
    "pin_new": N_("A PIN of at least 4 digits"),
    "pin_again": N_("The same PIN again"),
    "pin_save": N_("Lock with this PIN"),
    "pin_too_short": N_("Choose at least 4 digits."),
    "pin_mismatch": N_("The two PINs are not the same. Please type them again."),
    "pin_saved": N_("Your history is now locked. Houvast asks for your PIN when you open it."),
    "pin_is_on": N_("Your history is locked with a PIN."),
    "pin_current": N_("Your PIN"),
    "pin_remove": N_("Remove the PIN"),
    "pin_removed": N_("The PIN is removed. Your history opens without it again."),
    "pin_wrong": N_("That is not the PIN. Take your time and try again."),
    "pin_working": N_("One moment…"),
    "pin_locked": N_("Your history is locked"),
    "pin_enter": N_("Your PIN, to see your history and the words you kept"),
    "pin_open": N_("Open"),
    "pin_forgot": N_("Forgot your PIN?"),
    "pin_forgot_text": N_(
        "Without the PIN, nobody can open what is kept here. You can start fresh: that deletes "
        "your history, the words you kept, your sets and the PIN from this device. What you "
        "shared from a set is deleted from the server too. The parts of your plan for hard "
        "moments that you show without your PIN stay."
    ),
    "pin_start_fresh": N_("Delete everything and start fresh"),
    "pin_fresh_done": N_(
        "Everything locked with your PIN is deleted. You start fresh, without a PIN."
    ),
    # A therapist's set: home ("Your sets") and the player (set-item.js).
    "your_sets": N_("Your sets"),
    "set_count": N_("Exercises: %(count)s"),
    "set_updated_short": N_("Updated by your therapist"),
    "set_revoked_short": N_("No longer updated"),
    "sets_locked": N_("Your sets are locked with your PIN."),
    "sets_open_locked": N_("Open your sets"),
    "set_open_code": N_("Have a code from your therapist? Open your set here."),
    "set_item_of": N_("Exercise %(n)s of %(total)s in your set “%(title)s”"),
    "set_next": N_("Next in your set: %(title)s"),
    "set_back": N_("Back to your set"),
    "history_in_set": N_("From your set “%(title)s”"),
    "history_from_set": N_("From one of your sets"),
}


# Only the set page (pwa/js/set-page.js) uses these: they travel in that page.
SET_STRINGS: dict[str, str] = {
    "set_note": N_("A note from your therapist"),
    # A set made with the link builder (anyone can make one): never "your therapist".
    "set_note_link": N_("A note with this set"),
    "set_items": N_("The exercises"),
    "set_times": N_("Suggested times"),
    "set_every_day": N_("every day"),
    "set_time": N_("%(days)s at %(time)s"),
    "set_start_item": N_("Start"),
    "set_item_plan": N_("Suggested for your plan for hard moments"),
    "set_from_therapist": N_("Your therapist put this set together for you."),
    "set_keep": N_("Keep on this phone"),
    "set_keep_privacy": N_(
        "It will be kept on this phone only: no account, no name. When you are online, Houvast "
        "checks whether your therapist changed something. Your therapist sees that you opened "
        "and kept the set, on how many phones, and when your phone last checked for changes; "
        "what you practise only if you choose to share it."
    ),
    "set_link_only": N_(
        "This set came whole in its link, so it stays as it is: nobody can update or withdraw "
        "it, and you cannot share progress from it."
    ),
    "set_kept": N_("Kept on this phone. It also works without a connection."),
    "set_already_kept": N_("You already keep this set on this phone."),
    "set_updated": N_("Updated by your therapist on %(date)s."),
    "set_revoked": N_(
        "Your therapist no longer updates this set. It stays on your phone as it is, and "
        "you can keep using it."
    ),
    "set_start": N_("Start the set"),
    "set_add_reminders": N_("Add these times to my reminders"),
    "set_reminders_hint": N_(
        "A reminder opens the first exercise on its own. To practise it as part of this set, "
        "start it from here."
    ),
    "set_reminders_offline": N_(
        "Adding reminders needs a connection. Please try again when you are online."
    ),
    "share_heading": N_("Share your progress with your therapist"),
    "share_intro": N_(
        "If you like, your therapist can see how practising with this set goes. It is off "
        "until you turn it on."
    ),
    "share_what": N_(
        "What is shared: for each exercise of this set, the date, which exercise, whether "
        "you finished or stopped it, how long it took, and your ratings before and after. "
        "The exercises of this set you already did as well."
    ),
    "share_never": N_(
        "Never shared: your notes, the words you keep, your name, or anything else you do "
        "in Houvast."
    ),
    "share_whom": N_("With whom: only the therapist who made this set."),
    "share_how_stop": N_(
        "How to stop: here, whenever you like. Everything you shared is then deleted from "
        "the server at once."
    ),
    "share_start": N_("Share my progress"),
    "share_on": N_("You share your progress with your therapist."),
    "share_sent": N_("Exercises sent: %(count)s."),
    "share_waiting": N_("It is sent as soon as you are online."),
    "share_stop": N_("Stop sharing and delete what I shared"),
    "share_started": N_("Sharing is on. You can stop at any time."),
    "share_stopped": N_("Sharing has stopped. Everything you shared is deleted from the server."),
    "share_stopped_later": N_(
        "Sharing has stopped. What you shared is deleted from the server as soon as you are online."
    ),
    "share_revoked": N_("This set is no longer updated, so progress can no longer be shared."),
    "share_revoked_on": N_(
        "This set is no longer updated, so nothing more is shared. What you already shared "
        "stays on the server until you delete it here."
    ),
    "set_remove": N_("Remove this set"),
    "set_remove_text": N_("Remove this set from your phone? Your history stays."),
    "set_remove_sharing": N_("Sharing stops, and what you shared is deleted from the server."),
    "set_remove_yes": N_("Yes, remove it"),
    "set_remove_no": N_("No, keep it"),
    "set_removed": N_("The set is removed from this phone."),
    "set_none": N_(
        "You keep no sets on this phone yet. A set comes from your therapist: as a link, "
        "a QR code or a code."
    ),
    "set_code_heading": N_("Have a code from your therapist?"),
    "set_code_label": N_("The code"),
    "set_code_hint": N_("8 letters and digits, such as ABCD 2345."),
    "set_code_open": N_("Open the set"),
    "set_code_invalid": N_("A code has 8 letters and digits, such as ABCD 2345. Please check it."),
    "set_error_unknown": N_(
        "No set was found with this code. It may have a typo, or be older than 14 days: "
        "your therapist can give you a new one."
    ),
    "set_error_link": N_(
        "This link does not lead to a set. You can ask your therapist for a new one."
    ),
    "set_error_revoked": N_(
        "Your therapist has stopped this link. You can ask them for a new one."
    ),
    "set_error_used": N_(
        "This link or code has already been used to keep the set on a phone, so it no longer "
        "opens the set. If that was this phone, you find the set on this page. For another "
        "phone, ask your therapist for a new link."
    ),
    "set_error_expired": N_("This link has expired. Your therapist can give you a new one."),
    "set_error_offline": N_(
        "Opening a set needs a connection. Once it is kept, it also works offline."
    ),
    "set_error_server": N_("Something went wrong on the server. Please try again later."),
    "set_opens_online": N_("You are offline. The set opens here as soon as you are online again."),
}


# Only the plan page uses these (pwa/js/plan.js): they travel in that page.
PLAN_STRINGS: dict[str, str] = {
    # Translators: on a button that dials; %(name)s is a name the person wrote, or "My GP".
    "plan_call": N_("Call %(name)s"),
    "plan_message": N_("Message %(name)s"),
    "plan_start": N_("Start: %(title)s"),
    "plan_suggested": N_("suggested by your therapist"),
    "plan_pin_locked": N_("Parts of your plan are locked"),
    "plan_pin_enter": N_("Your PIN, to see all of your plan"),
    "plan_make": N_("Make your plan"),
    "plan_change": N_("Change your plan"),
    "plan_saved": N_("Your plan is kept on this device."),
    "plan_person": N_("Person %(n)s"),
    "plan_name": N_("Name"),
    "plan_number": N_("Phone number"),
    "plan_remove_person": N_("Remove person %(n)s"),
    "plan_name_missing": N_("Add a name, so you know who this is."),
    "plan_number_missing": N_("Add a phone number."),
    "plan_number_invalid": N_("Write a phone number in digits, for example 06 12345678."),
}


# Only the reminders page uses these, and it needs the server anyway: they travel in that
# page, not in app.json, which every page shares and the offline bundle stores.
REMINDER_STRINGS: dict[str, str] = {
    "reminder_no_day": N_("Choose at least one day."),
    "reminder_no_time": N_("Choose a time."),
    "reminder_bad_time": N_("Enter a time such as 08:30."),
    "reminder_no_exercise": N_("Choose the exercise the reminder opens."),
    "reminder_new_heading": N_("New reminder"),
    "reminder_edit_heading": N_("Change reminder"),
    "reminder_add": N_("Add reminder"),
    "reminder_save": N_("Save changes"),
    "reminder_added": N_("Reminder added."),
    "reminder_changed": N_("Reminder changed."),
    "reminder_deleted": N_("Reminder deleted."),
    "reminder_change": N_("Change"),
    "reminder_delete": N_("Delete"),
    # Translators: days is a list of weekdays ("Monday and Thursday") or "every day".
    "reminder_when": N_("%(days)s at %(time)s"),
    "every_day": N_("every day"),
    "server_unreachable": N_(
        "The server could not be reached. Please check your connection and try again."
    ),
    "server_error": N_("Something went wrong on the server. Please try again later."),
    "sync_failed": N_(
        "It is kept on this device, but the server could not be updated: %(reason)s "
        "Houvast tries again the next time you open this page."
    ),
    "push_offer": N_(
        "Houvast can send you a notification at the times of your reminders, also when the "
        "app is closed."
    ),
    "push_is_on": N_("Notifications are on for this device."),
    "push_ios": N_(
        "On an iPhone or iPad, Houvast can only send notifications once it is on your home "
        "screen. Tap ‘Share’ (in Safari sometimes first on •••), then ‘Add to Home Screen’, and "
        "open Houvast from your home screen. Set your reminders again there: what this browser "
        "keeps does not come along. Until then, your calendar can remind you."
    ),
    "push_ios_safari": N_(
        "On an iPhone or iPad, Houvast can only send notifications once it is on your home "
        "screen, and that cannot be done from this app or browser. Open this page in Safari "
        "(often through the ••• menu), tap ‘Share’, then ‘Add to Home Screen’. Until then, your "
        "calendar can remind you."
    ),
    "push_unsupported": N_(
        "This browser cannot receive notifications from Houvast. Your calendar can remind you "
        "instead."
    ),
    "push_denied": N_(
        "Notifications from Houvast are blocked in this browser. If you want them after all, "
        "you can allow them in the browser's settings. Your calendar can remind you instead."
    ),
    "push_asking": N_(
        "Your browser is asking whether Houvast may send notifications. Don't see the "
        "question? Your calendar can remind you instead (below)."
    ),
    "push_declined": N_("That is fine: Houvast will not send notifications."),
    "push_not_now": N_(
        "Notifications were not turned on. You can try again whenever you like, or use your "
        "calendar."
    ),
    "push_timeout": N_(
        "The browser did not manage to turn on notifications. Please try again later, or use "
        "your calendar."
    ),
    "push_browser_error": N_(
        "This browser could not turn on notifications. Please try again later, or use your "
        "calendar."
    ),
    "working": N_("One moment…"),
    "push_turned_on": N_("Notifications are on. One will come at the times of your reminders."),
    "push_turned_off": N_("Notifications are off, and the server no longer keeps your reminders."),
    "calendar_needs_reminder": N_("Add a reminder first; then it can go into your calendar."),
    "calendar_downloaded": N_(
        "Saved as %(name)s. Open the file to add your reminders to your calendar."
    ),
    "calendar_link_ready": N_(
        "Here is your calendar link. Open it in your calendar app, or copy it and paste it there."
    ),
    "calendar_link_stopped": N_(
        "The link no longer works, and the server no longer keeps your reminders."
    ),
    "neutral_on": N_("Reminders now say “Time for your moment”."),
    "neutral_off": N_("Reminders now name the exercise."),
    "link_copied": N_("Link copied."),
    "link_copy_yourself": N_(
        "Copying did not work here. The link is selected, so you can copy it yourself."
    ),
}


# Only the set builder (/<locale>/make-set) uses these; like the reminders page it is not
# stored offline, so they travel in that page.
MAKE_SET_STRINGS: dict[str, str] = {
    "ms_item_heading": N_("%(n)s. %(title)s"),
    "ms_move_up": N_("Move up"),
    "ms_move_down": N_("Move down"),
    "ms_remove": N_("Remove"),
    "ms_item_note": N_("Note with this exercise (optional)"),
    "ms_item_plan": N_("Suggest for the plan for hard moments"),
    "ms_timings": N_("Timings (optional)"),
    "ms_timings_hint": N_("Each value starts at the exercise's own; change it within the range."),
    "ms_range": N_("%(min)s to %(max)s"),
    "ms_time_heading": N_("Suggested time %(n)s"),
    "ms_time": N_("Time"),
    "ms_days": N_("Days"),
    "ms_remove_time": N_("Remove this time"),
    "ms_no_title": N_("Give the set a title."),
    "ms_no_items": N_("Add at least one exercise."),
    "ms_no_day": N_("Choose at least one day."),
    "ms_bad_time": N_("Enter a time such as 08:30."),
    "ms_bad_value": N_("Choose a whole number from %(min)s to %(max)s."),
    "ms_fix": N_("The link was not made. Please correct the marked fields."),
    "ms_too_long": N_(
        "This set does not fit in one QR code. Shorten the notes, or leave out an exercise."
    ),
    "ms_ready": N_(
        "The link is ready: %(length)s characters. Scan the QR code with a phone's camera, or "
        "send the link."
    ),
    "ms_qr_large": N_(
        "This QR code is large, and can be hard to scan from a screen. Shorter notes or fewer "
        "exercises make it smaller; the link itself works just as well."
    ),
    "ms_qr_label": N_("QR code of the link to the set “%(title)s”"),
    "ms_added": N_("%(title)s added as exercise %(n)s."),
    "ms_removed": N_("%(title)s removed."),
    "ms_moved": N_("%(title)s is now exercise %(n)s."),
    "link_copied": N_("Link copied."),
    "link_copy_yourself": N_(
        "Copying did not work here. The link is selected, so you can copy it yourself."
    ),
}


def timing_label(step: Step, name: str) -> str:
    """What a step's adjustable value is called where a person changes it."""
    spec = next(f.spec for f in step.kind.fields if f.name == name)
    assert isinstance(spec, Timing)
    return spec.label


def exercise_choices(
    exercises: Mapping[str, Exercise], language: Language, who: Who
) -> list[dict[str, Any]]:
    """Each exercise's id and title, with the values ``who`` may change as
    [key, step title, what it is, default, min, max]: for the settings page (a person) and the
    set builder (what a therapist may set)."""
    return [
        {
            "id": exercise.id,
            "title": language.gettext(exercise.title),
            "timings": [
                [
                    key,
                    language.gettext(step.title),
                    language.gettext(timing_label(step, field)),
                    bounds.value,
                    bounds.low,
                    bounds.high,
                ]
                for key, step, field, bounds in exercise.adjustable(who)
            ],
        }
        for exercise in exercises.values()
    ]


def translated_strings(
    gettext: Callable[[str], str], strings: dict[str, str] = STRINGS
) -> dict[str, str]:
    """The client strings (by default the shared ones) in one language."""
    return {key: gettext(message) for key, message in strings.items()}


def app_data(exercises: Mapping[str, Exercise], language: Language, urls: Urls) -> dict[str, Any]:
    """What the scripts of every page share, in one language: the strings, the URL templates,
    each exercise's title (history, reminders) and the timings a person may change (settings),
    and the grounding exercise itself, so the way out can start it on any page at once."""
    return {
        "strings": translated_strings(language.gettext),
        "urls": urls.for_scripts(language.locale),
        "grounding": exercises["grounding"].player_data(language),
        # The settings page builds its fields from these (kept short: every phone stores this).
        "exercises": exercise_choices(exercises, language, "person"),
        # Limits and formats the phone checks as the server does.
        "rules": script_rules(),
    }
