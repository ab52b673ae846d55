"""Admins run polls: ``/startpoll``, ``/closepoll``, ``/publish_results``; closing on time.

Sending goes through the broadcast engine (kinds in :mod:`bot.polls_delivery`), after a
preview and the admin's Send (``bot/handlers/drafts.py``): the poll is marked started and
its closing time scheduled when Send is pressed, the results marked published. Closing
marks the poll closed first (later updates are ignored), then stops every instance with a
paced broadcast whose ``stopPoll`` answers replace the stored counts. The closing-time job is
rescheduled from the database at every start, and closing happens once whatever fires it.
"""

from __future__ import annotations

import enum
import logging
from datetime import timedelta
from html import escape

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes, Job

from bot.broadcast import Audience, Target, start_broadcast_to
from bot.deps import AnyApp, app_deps, deps
from bot.handlers.drafts import SendHooks, open_draft, register_send_hooks
from bot.handlers.rights import ensure_bot_admin
from bot.i18n import Translator, tr
from bot.polls_delivery import (
    KIND_POLL,
    KIND_RESULTS,
    KIND_STOP,
    PollDefinitions,
    charts_of,
    register_kinds,
    send_native_poll,
    send_results,
)
from bot.render.dates import admin_time
from bot.services.poll_commands import AudienceArgs, parse_audience
from bot.services.polls import PollResults
from storage.broadcasts import BroadcastRow
from storage.clock import now_utc
from storage.models import PollDef

log = logging.getLogger(__name__)

CLOSE_JOB = "poll-close:"
DEFINITIONS_KEY = "eventbot.poll_definitions"


class CloseOutcome(enum.Enum):
    CLOSED = "closed"
    ALREADY_CLOSED = "already closed"
    UNKNOWN = "unknown"


def audience_of(args: AudienceArgs) -> Audience:
    return Audience(languages=args.languages, topics=args.topics, include_groups=args.groups)


def _definitions(application: AnyApp) -> PollDefinitions:
    found = application.bot_data.get(DEFINITIONS_KEY)
    if not isinstance(found, PollDefinitions):
        found = PollDefinitions()
        application.bot_data[DEFINITIONS_KEY] = found
    return found


async def close_poll(
    application: AnyApp,
    poll_id: str,
    created_by: int | None,
    *,
    report_to: int | None = None,
    admin_language: str | None = None,
) -> tuple[CloseOutcome, int]:
    """Close a poll and stop its instances; returns the outcome and how many are stopped."""
    app = app_deps(application)
    if await app.polls.definition(poll_id) is None:
        return CloseOutcome.UNKNOWN, 0
    if not await app.polls.close(poll_id):
        return CloseOutcome.ALREADY_CLOSED, 0
    unschedule_closing(application, poll_id)
    stopped = await stop_instances(
        application, poll_id, created_by, report_to=report_to, admin_language=admin_language
    )
    return CloseOutcome.CLOSED, stopped


async def stop_instances(
    application: AnyApp,
    poll_id: str,
    created_by: int | None,
    *,
    report_to: int | None = None,
    admin_language: str | None = None,
) -> int:
    app = app_deps(application)
    instances = await app.polls.repo.instances(poll_id, open_only=True)
    targets: dict[int, Target] = {}
    for instance in instances:
        targets.setdefault(
            instance.chat_id,
            Target(
                chat_id=instance.chat_id,
                language=instance.language,
                chat_type=instance.chat_type,
                data={
                    "telegram_poll_id": instance.telegram_poll_id,
                    "message_id": instance.message_id,
                },
            ),
        )
    if not targets:
        return 0
    broadcast_id = await start_broadcast_to(
        app,
        kind=KIND_STOP,
        payload={"poll_id": poll_id},
        targets=list(targets.values()),
        created_by=created_by,
        title=f"close poll {poll_id}",
        report_to=report_to,
        admin_language=admin_language,
    )
    await app.polls.repo.set_stop_broadcast(poll_id, broadcast_id)
    log.info("poll %s closed: stopping %d instances", poll_id, len(targets))
    return len(targets)


# closing time ------------------------------------------------------------------------------


async def _closing_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = context.job
    assert job is not None
    poll_id = str(job.data)
    outcome, stopped = await close_poll(context.application, poll_id, None)
    log.info("closing time of poll %s: %s (%d instances)", poll_id, outcome.value, stopped)


def schedule_closing(application: AnyApp, poll: PollDef) -> None:
    """Run the closing job at ``poll.closes_at`` (at once if that has passed)."""
    if poll.closes_at is None or application.job_queue is None:
        return
    unschedule_closing(application, poll.id)
    delay = max((poll.closes_at - now_utc()).total_seconds(), 0.0)
    application.job_queue.run_once(
        _closing_job,
        when=timedelta(seconds=delay),
        data=poll.id,
        name=CLOSE_JOB + poll.id,
        job_kwargs={"misfire_grace_time": None},
    )


def unschedule_closing(application: AnyApp, poll_id: str) -> None:
    if application.job_queue is None:
        return
    job: Job[ContextTypes.DEFAULT_TYPE]
    for job in application.job_queue.get_jobs_by_name(CLOSE_JOB + poll_id):
        job.schedule_removal()


async def resume(application: AnyApp) -> None:
    """At start-up: schedule every pending closing time, finish interrupted closings."""
    app = app_deps(application)
    for poll_id in await app.polls.repo.unstopped():
        await stop_instances(application, poll_id, None)
    for poll_id, _closes_at in await app.polls.repo.pending_closings():
        poll = await app.polls.definition(poll_id)
        if poll is not None:
            schedule_closing(application, poll)


# commands ------------------------------------------------------------------------------------


async def _poll_from_args(
    update: Update, context: ContextTypes.DEFAULT_TYPE, usage: str
) -> tuple[PollDef, AudienceArgs] | None:
    """The poll named by the first argument and the audience arguments, or a reply."""
    message = update.effective_message
    if message is None:
        return None
    t = tr()
    if not context.args:
        await message.reply_text(usage)
        return None
    poll = await deps(context).polls.definition(context.args[0])
    if poll is None:
        await message.reply_text(t._("There is no poll with this id."))
        return None
    audience = parse_audience(context.args[1:])
    if audience.unknown:
        await message.reply_text(
            t._("I don't understand: {args}").format(args=escape(" ".join(audience.unknown)))
            + "\n"
            + usage
        )
        return None
    return poll, audience


def _audience_usage(command: str, t: Translator) -> str:
    return t._(
        "Usage: /{command} POLL_ID [lang=en,ru,ko] [topic=business,researchers,students]"
        " [groups=yes]"
    ).format(command=command)


async def startpoll_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/startpoll POLL_ID [filters]``: a draft; the admin sees the poll (closed, so that
    nobody votes in the preview) and the recipients, and presses Send."""
    if not await ensure_bot_admin(update, context):
        return
    t = tr()
    found = await _poll_from_args(update, context, _audience_usage("startpoll", t))
    message = update.effective_message
    if found is None or message is None:
        return
    poll, audience = found
    if (await deps(context).polls.status(poll.id)).closed:
        await message.reply_text(t._("This poll is closed."))
        return

    async def preview(
        context: ContextTypes.DEFAULT_TYPE, chat_id: int, t: Translator, broadcast_id: int
    ) -> None:
        await send_native_poll(context.bot, chat_id, poll, t.language, paid=False, is_closed=True)

    notes = [escape(t._("The preview poll is closed: votes count in the subscribers' polls."))]
    if poll.closes_at is not None:
        closes = admin_time(poll.closes_at, t)
        notes.append(escape(t._("Closes: {value}").format(value=closes)))
    await open_draft(
        update,
        context,
        kind=KIND_POLL,
        payload={"poll_id": poll.id},
        audience=audience_of(audience),
        title=f"poll {poll.id}",
        preview=preview,
        notes=notes,
    )


async def _before_poll(application: AnyApp, row: BroadcastRow, t: Translator) -> str | None:
    """Send pressed on a poll draft: refuse a poll closed (or deleted) meanwhile; else mark
    it started, with fresh definitions for the broadcast."""
    poll_id = str(row.payload["poll_id"])
    app = app_deps(application)
    if await app.polls.definition(poll_id) is None:
        return escape(t._("There is no poll with this id."))
    if (await app.polls.status(poll_id)).closed:
        return escape(t._("This poll is closed."))
    _definitions(application).forget(poll_id)
    await app.polls.repo.mark_started(poll_id)
    return None


async def _after_poll(application: AnyApp, row: BroadcastRow, t: Translator) -> str | None:
    poll = await app_deps(application).polls.definition(str(row.payload["poll_id"]))
    if poll is None:
        return None
    schedule_closing(application, poll)
    return t._("Sending poll {id} to subscribers. See the results with /results {id}.").format(
        id=escape(poll.id)
    )


async def closepoll_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await ensure_bot_admin(update, context):
        return
    message = update.effective_message
    if message is None:
        return
    t = tr()
    if not context.args:
        await message.reply_text(t._("Usage: /closepoll POLL_ID"))
        return
    user = update.effective_user
    chat = update.effective_chat
    outcome, stopped = await close_poll(
        context.application,
        context.args[0],
        user.id if user else None,
        report_to=chat.id if chat else None,
        admin_language=t.language,
    )
    if outcome is CloseOutcome.UNKNOWN:
        await message.reply_text(t._("There is no poll with this id."))
    elif outcome is CloseOutcome.ALREADY_CLOSED:
        await message.reply_text(t._("This poll is closed."))
    else:
        await message.reply_text(
            t.ngettext(
                "Poll closed: stopping it in {n} chat.",
                "Poll closed: stopping it in {n} chats.",
                stopped,
            ).format(n=t.number(stopped))
        )


async def publish_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/publish_results POLL_ID [filters]``: a draft with the results as they are now;
    the admin sees them as subscribers will, and presses Send."""
    if not await ensure_bot_admin(update, context):
        return
    t = tr()
    found = await _poll_from_args(update, context, _audience_usage("publish_results", t))
    message = update.effective_message
    if found is None or message is None:
        return
    poll, audience = found
    app = deps(context)
    status = await app.polls.status(poll.id)
    if poll.hide_results and not status.closed:
        await message.reply_text(
            t._("This poll hides its results until it closes: close it first with /closepoll.")
        )
        return
    results: PollResults = await app.polls.results(poll)
    charts = charts_of(context.application)

    async def preview(
        context: ContextTypes.DEFAULT_TYPE, chat_id: int, t: Translator, broadcast_id: int
    ) -> None:
        await send_results(context.bot, chat_id, poll, results, t, charts, paid=False)

    await open_draft(
        update,
        context,
        kind=KIND_RESULTS,
        payload={"poll_id": poll.id, "results": results.to_dict()},
        audience=audience_of(audience),
        title=f"results of poll {poll.id}",
        preview=preview,
    )


async def _before_results(application: AnyApp, row: BroadcastRow, t: Translator) -> str | None:
    poll_id = str(row.payload["poll_id"])
    if await app_deps(application).polls.definition(poll_id) is None:
        return escape(t._("There is no poll with this id."))
    _definitions(application).forget(poll_id)
    return None


async def _after_results(application: AnyApp, row: BroadcastRow, t: Translator) -> str | None:
    await app_deps(application).polls.repo.mark_published(str(row.payload["poll_id"]))
    return None


def register(application: AnyApp) -> None:
    register_kinds(application, _definitions(application), charts_of(application))
    register_send_hooks(KIND_POLL, SendHooks(before=_before_poll, after=_after_poll))
    register_send_hooks(KIND_RESULTS, SendHooks(before=_before_results, after=_after_results))
    application.add_handler(CommandHandler("startpoll", startpoll_command))
    application.add_handler(CommandHandler("closepoll", closepoll_command))
    application.add_handler(CommandHandler("publish_results", publish_command))
