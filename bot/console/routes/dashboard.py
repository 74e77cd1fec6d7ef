"""Supervision: the live queue, the organization's figures and reading any conversation with a reason."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bot.console import metrics
from bot.console.auth import Who
from bot.console.routes.common import audit, back, db, form_of, page, reason_of, supervisor, titles_with_guide
from bot.console.routes.inbox import handoff_of, queue_ctx
from bot.console.steps import step_question
from bot.engine.catalog import t

router = APIRouter(prefix="/console", dependencies=[Depends(supervisor)])

CHANNEL_NAMES = ("web", "telegram", "bale", "sms", "console")


def drop_items(rep: metrics.Report, titles: dict[str, str], flows: dict, limit: int = 12) -> list[tuple[str, int]]:
    """Where people left each service: «service\\nthe question they were asked», most left first."""
    drops = [(f"{titles.get(flow, flow)}\n{step_question(flows, flow, step)}", n)
             for flow, steps in rep.dropped_at.items() for step, n in steps.items()]
    drops.sort(key=lambda x: -x[1])
    return drops[:limit]


@router.get("/supervisor", response_class=HTMLResponse)
async def supervisor_page(request: Request, days: int = 7, who: Who = Depends(supervisor)) -> HTMLResponse:
    """The figures of a period and the live queue."""
    days = days if days in (1, 7, 30, 90) else 7
    recorder = getattr(request.app.state, "console_recorder", None)
    if recorder is not None:  # services left in the last half hour's sweep interval are counted now
        await recorder.flush()
        await recorder.sweep()
    rep = await metrics.report(db(request), days)
    titles = titles_with_guide(request)
    legend = {ch: t(f"console.channel.{ch}") for ch in CHANNEL_NAMES}
    legend.update(started=t("console.metrics.started"), empty=t("console.metrics.empty"), of=t("console.metrics.of"))
    chart = metrics.service_chart(rep, titles, t("console.metrics.chart_title"), legend)
    drop_chart = metrics.bars(drop_items(rep, titles, request.app.state.engine.flows), t("console.metrics.drops_title"),
                              empty=t("console.metrics.empty"), width=700, label_w=340)
    hand_chart = metrics.bars([(t(f"console.handoff_reason.{r}") if r in ("asked", "failed_twice") else r, n)
                               for r, n in rep.handoffs.most_common()], t("console.metrics.handoffs_title"),
                              color="#7a4fa3", empty=t("console.metrics.empty"))
    ctx = await queue_ctx(request)
    return page(request, "supervisor.html", who, rep=rep, days=days, chart=chart, drop_chart=drop_chart,
                hand_chart=hand_chart, titles=titles, channels=CHANNEL_NAMES, **ctx)


@router.get("/supervisor/live", response_class=HTMLResponse)
async def supervisor_live(request: Request, who: Who = Depends(supervisor)) -> HTMLResponse:
    """The live queue, polled every few seconds."""
    return page(request, "_live.html", who, **await queue_ctx(request))


@router.post("/inbox/{handoff_id}/open", response_class=HTMLResponse)
async def handoff_open(request: Request, who: Who = Depends(supervisor), found: tuple = Depends(handoff_of)) -> Response:
    """Read a conversation without taking it (checking quality): with a reason, audited."""
    h, conv = found
    reason = reason_of(await form_of(request))
    if reason is None:
        return back(f"/console/inbox/{h.id}?error=reason")
    await audit(request, who, "view_conversation", f"conv:{h.key}", reason)
    return page(request, "handoff.html", who, h=h, conv=conv, mine=False, readonly=True,
                flows=titles_with_guide(request), error="")
