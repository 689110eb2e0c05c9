"""Console pages of the matching model: the uncertain-pairs queue that teaches it, its quality
per domain, and previewing a threshold change before it applies. Parse, check permission (403
when refused), call one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from matching.estimates import model_quality
from matching.models import LabelRequest, RulePreview
from matching.rule_change import rule_preview_start, runs_inline
from matching.tasks import label_requests_draw_task
from matching.teaching import label_requests_draw
from mdm.canonical import REFERENCES, attribute_names
from mdm.choices import Domain
from mdm.models import CrossReference, golden_model
from mdm.permissions import access_of, can, require, restrict
from mdm.validation import error_fields, error_text
from stewardship import policy, services
from stewardship.match_rules import match_rules_request
from stewardship.models import ChangeRequest
from stewardship.selectors import visible_examples
from stewardship.teaching import label_answer
from stewardship.views import _htmx

DRAW = 20  # questions asked per "Ask me more"
ANSWERS = {"same": LabelRequest.Answer.SAME, "not-same": LabelRequest.Answer.NOT_SAME,
           "unsure": LabelRequest.Answer.UNSURE}


def _domain_or_404(domain: str) -> str:
    if domain not in Domain.values:
        raise Http404("no such domain")
    return domain


def _viewable(user) -> list[tuple[str, str]]:
    access = access_of(user)
    if not access.domains("view"):
        raise PermissionDenied("You have no domain to look at.")
    return [(d, label) for d, label in Domain.choices if d in access.domains("view")]


# --- Teach the model -----------------------------------------------------------------------------

def _question_cards(questions: list[LabelRequest]) -> list[dict]:
    """Both source records of each question side by side, with each attribute's evidence."""
    cards = []
    for q in questions:
        rows = []
        references = {golden: ref for ref, golden, _ in REFERENCES[q.domain]}
        for name in attribute_names(q.domain):
            field = references.get(name, name)
            va, vb = q.source_a.canonical.get(field), q.source_b.canonical.get(field)
            blank_a, blank_b = va in (None, ""), vb in (None, "")
            state = ("empty" if blank_a and blank_b else "missing" if blank_a or blank_b else
                     "agree" if str(va).casefold() == str(vb).casefold() else "differ")
            engine_name = f"{name}_id" if name in references else name
            rows.append({"name": name, "a": va, "b": vb, "state": state,
                         "contribution": q.contributions.get(engine_name), "level": q.levels.get(engine_name, "")})
        cards.append({"q": q, "rows": rows})
    return cards


@login_required
def teach_queue(request):
    domains = _viewable(request.user)
    queryset = restrict(LabelRequest.objects.filter(answer=""), request.user, "view")
    domain = request.GET.get("domain", "")
    if domain:
        queryset = queryset.filter(domain=domain)
    questions = list(queryset.select_related("source_a__system", "source_b__system").order_by("id")[:30])
    return render(request, "stewardship/teach_queue.html", {
        "cards": _question_cards(questions), "total": queryset.count(), "shown": len(questions), "domain": domain,
        "domains": domains, "change_domains": access_of(request.user).domains("change"), "draw": DRAW,
    })


@login_required
@require_POST
def teach_draw(request):
    domain = _domain_or_404(request.POST.get("domain", ""))
    require(request.user, "change", domain)
    if runs_inline(domain):
        asked = label_requests_draw(domain=domain, limit=DRAW)
        messages.success(request, f"{len(asked)} new {domain} question{'s' if len(asked) != 1 else ''} to answer."
                         if asked else f"No {domain} pair is left to ask about under the current model.")
    else:
        label_requests_draw_task.delay(domain, DRAW)
        messages.info(request, f"Choosing {domain} pairs in the background: refresh in a minute.")
    return redirect(reverse("stewardship:teach_queue") + f"?domain={domain}")


def _may_answer(user, question: LabelRequest, answer: str) -> None:
    """The question must be in the steward's reach; "the same" merges the records' golden records
    as they are now, so both must be in reach too."""
    if not restrict(LabelRequest.objects.filter(pk=question.pk), user, "change").exists():
        raise PermissionDenied("You may not answer questions of this domain or region.")
    if answer == LabelRequest.Answer.SAME:
        current = CrossReference.objects.filter(source_record_id__in=[question.source_a_id, question.source_b_id])
        for record in golden_model(question.domain).objects.filter(pk__in=current.values("golden_id")):
            require(user, "change", question.domain, record)


@login_required
@require_POST
def teach_answer(request, request_id: int, answer: str):
    question = get_object_or_404(LabelRequest.objects.select_related("source_a__system", "source_b__system"),
                                 pk=request_id)
    if answer not in ANSWERS:
        raise Http404("unknown answer")
    _may_answer(request.user, question, ANSWERS[answer])
    error, note = None, ""
    try:
        note = label_answer(request_id=question.pk, answer=ANSWERS[answer], acting_user=request.user,
                            note=request.POST.get("note", ""))
    except ValidationError as exc:
        error = error_text(exc)
    if _htmx(request):
        question.refresh_from_db()
        return render(request, "stewardship/partials/question.html", {
            "card": _question_cards([question])[0], "note": note, "error": error,
            "change_domains": access_of(request.user).domains("change")})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, note)
    return redirect(reverse("stewardship:teach_queue") + f"?domain={question.domain}")


# --- Model quality -------------------------------------------------------------------------------

@login_required
def model_overview(request):
    return render(request, "stewardship/model_overview.html", {
        "qualities": [(label, model_quality(d)) for d, label in _viewable(request.user)]})


@login_required
def model_detail(request, domain: str):
    require(request.user, "view", _domain_or_404(domain))
    return render(request, "stewardship/model_quality.html", {
        "quality": model_quality(domain), "domain": domain, "domains": _viewable(request.user),
        "may_change": can(request.user, "change", domain)})


# --- Previewing a threshold change ---------------------------------------------------------------

def _apply_reach(user, domain: str) -> bool:
    """Thresholds hold for every country of the domain: applying or asking for them takes a
    steward of all of them (or the council)."""
    reach = access_of(user).reach("change", domain)
    return reach is not None and reach.countries is None


def _preview_context(request, domain: str, preview: RulePreview | None, **extra) -> dict:
    quality = model_quality(domain)
    shown = {"upper": preview.upper, "lower": preview.lower, "refit": preview.refit} if preview else {}
    return {
        "domain": domain, "preview": preview, "model": quality.model, "quality": quality,
        "examples": visible_examples(request.user, domain, preview.result) if preview and preview.result else {},
        "recent": list(RulePreview.objects.filter(domain=domain).select_related("requested_by")[:8]),
        "may_preview": can(request.user, "change", domain), "may_apply": _apply_reach(request.user, domain),
        "governed": policy.match_rules_need_approval(domain), "inline": runs_inline(domain),
        "errors": {}, "form": shown, **extra,
    }


@login_required
def rule_preview(request, domain: str):
    """GET: the form with the current thresholds; POST: preview the proposal."""
    require(request.user, "view", _domain_or_404(domain))
    if request.method != "POST":
        return render(request, "stewardship/rule_preview.html", _preview_context(request, domain, None))
    require(request.user, "change", domain)
    form = {k: request.POST.get(k, "").strip() for k in ("upper", "lower")} | {"refit": bool(request.POST.get("refit"))}
    try:
        preview = rule_preview_start(domain=domain, upper=form["upper"], lower=form["lower"], refit=form["refit"],
                                     acting_user=request.user)
    except ValidationError as exc:
        return render(request, "stewardship/rule_preview.html",
                      _preview_context(request, domain, None, errors=error_fields(exc), form=form), status=400)
    return redirect("stewardship:rule_preview_detail", domain=domain, preview_id=preview.pk)


@login_required
def rule_preview_detail(request, domain: str, preview_id: int):
    require(request.user, "view", _domain_or_404(domain))
    preview = get_object_or_404(RulePreview, pk=preview_id, domain=domain)
    context = _preview_context(request, domain, preview)
    if _htmx(request):  # the page asks again while a large domain's preview is computed
        return render(request, "stewardship/partials/rule_preview_result.html", context)
    return render(request, "stewardship/rule_preview.html", context)


@login_required
@require_POST
def rule_apply(request, domain: str, preview_id: int):
    _domain_or_404(domain)
    if not _apply_reach(request.user, domain):
        raise PermissionDenied(f"You may not change the match thresholds of {domain} records.")
    try:
        outcome = match_rules_request(domain=domain, preview_id=preview_id, acting_user=request.user,
                                      reason=services.reason_checked(request.POST.get("reason", "")))
    except ValidationError as exc:
        preview = get_object_or_404(RulePreview, pk=preview_id, domain=domain)
        return render(request, "stewardship/rule_preview.html",
                      _preview_context(request, domain, preview, apply_errors=error_fields(exc)), status=400)
    if isinstance(outcome, ChangeRequest):
        messages.info(request, f"Threshold change sent to the council: change request #{outcome.pk} waits for approval.")
    else:
        messages.success(request, f"Applied. {outcome}")
    return redirect("stewardship:model_detail", domain=domain)
