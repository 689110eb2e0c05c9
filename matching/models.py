"""The hub side of matching: review candidates and the decisions stewards made about them.

Decisions are remembered by source keys (system, source id on both sides), not by golden ids, so a
steward's "not a match" survives merges, re-runs and rule changes.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from mdm.choices import Domain


class CandidateStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    ACCEPTED = "accepted", "Accepted (linked)"
    REJECTED = "rejected", "Rejected (not a match)"
    SUPERSEDED = "superseded", "Superseded"


class MatchCandidate(models.Model):
    """Two golden records that may be the same thing: the model was unsure, a steward decides."""

    domain = models.CharField(max_length=10, choices=Domain.choices)
    golden_id_a = models.CharField(max_length=24, db_index=True)
    golden_id_b = models.CharField(max_length=24, db_index=True)
    score = models.FloatField(help_text="Match probability (0–1).")
    contributions = models.JSONField(default=dict, help_text="Per attribute: its share of the score (log2 Bayes factor).")
    rule = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN,
                              db_index=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["contributions"])

    class Meta:
        ordering = ["-score", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["golden_id_a", "golden_id_b"], condition=models.Q(status="open"),
                                    name="one_open_candidate_per_pair"),
        ]


class MatchDecision(models.Model):
    """A steward's verdict on two source records, honoured by every later match run."""

    class Verdict(models.TextChoices):
        MATCH = "match", "Same thing"
        NOT_MATCH = "not_match", "Not the same"

    domain = models.CharField(max_length=10, choices=Domain.choices)
    key_a = models.CharField(max_length=200, help_text="system:object_type:source_id, the smaller of the two keys")
    key_b = models.CharField(max_length=200)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_a", "key_b"], name="one_decision_per_source_pair")]


class BlockingKey(models.Model):
    """The persistent blocking index: a golden record's blocking keys, so a new source record finds
    its candidates with one indexed lookup instead of a scan."""

    domain = models.CharField(max_length=10, choices=Domain.choices)
    # 64 bits of BLAKE2b over "domain|key" (matching.index.key_hash), not the key's text: an initial
    # load writes eight keys per record, and an integer index takes them in and answers lookups in
    # a fraction of the time and space of a text one. Two keys sharing a hash only add a candidate
    # pair, which scoring then judges like any other.
    key_hash = models.BigIntegerField()
    golden_id = models.CharField(max_length=24, db_index=True)
    # 64 bits of BLAKE2b over the golden record's values the keys were made from
    # (matching.forms.values_hash): a matcher that has met these values standardizes them once and
    # then takes a candidate's standard forms from memory instead of reading the record again.
    # 0: not known (rows written before the column existed) — the record is read.
    values_hash = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["key_hash"], name="blocking_key_by_hash")]


class MatchModel(models.Model):
    """A fitted Fellegi–Sunter model of one domain (m and u per comparison level, thresholds)."""

    domain = models.CharField(max_length=10, choices=Domain.choices, unique=True)
    parameters = models.JSONField(help_text="FellegiSunterModel.to_dict()")
    upper_threshold = models.FloatField(default=0.9, help_text="Link automatically at or above this probability.")
    lower_threshold = models.FloatField(default=0.5, help_text="Send to review at or above this; below is new.")
    fitted_at = models.DateTimeField(auto_now=True)
    fitted_on = models.PositiveIntegerField(default=0, help_text="Golden records the model was fitted on.")


class RematchRun(models.Model):
    """A full re-match of one domain, split into shards of blocking keys that workers share."""

    class Status(models.TextChoices):
        RUNNING = "running", "Scoring shards"
        APPLYING = "applying", "Applying"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    domain = models.CharField(max_length=10, choices=Domain.choices)
    shards = models.PositiveIntegerField()
    shards_done = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class RematchShard(models.Model):
    """A shard of a re-match that was scored: a broker may hand a shard's task out twice (a
    worker killed, a visibility timeout passed), and the second must add nothing."""

    run = models.ForeignKey(RematchRun, on_delete=models.CASCADE, related_name="shards_scored")
    shard = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "shard"], name="one_scoring_per_rematch_shard")]


class RematchPair(models.Model):
    """A scored pair of golden records found by one shard of a re-match."""

    run = models.ForeignKey(RematchRun, on_delete=models.CASCADE, related_name="pairs")
    golden_id_a = models.CharField(max_length=24)
    golden_id_b = models.CharField(max_length=24)
    probability = models.FloatField()
    contributions = models.JSONField(default=dict)


class LabelRequest(models.Model):
    """A pair of source records the hub asks a steward about, to learn from the answer
    (matching.teaching): near a decision threshold, where an answer teaches the model most, or
    drawn at random from the automatic links or the non-links just below them, so precision and
    recall can be estimated without bias. An answer becomes a MatchDecision, as a review verdict does."""

    class Why(models.TextChoices):
        BOUNDARY = "boundary", "Near a threshold"
        AUDIT_LINK = "audit_link", "Random check of an automatic link"
        AUDIT_NEAR = "audit_near", "Random check of a pair not linked"

    class Answer(models.TextChoices):
        SAME = "same", "The same"
        NOT_SAME = "not_same", "Not the same"
        UNSURE = "unsure", "Can't tell"

    domain = models.CharField(max_length=10, choices=Domain.choices)
    key_a = models.CharField(max_length=200, help_text="system:object_type:source_id, the smaller of the two keys")
    key_b = models.CharField(max_length=200)
    source_a = models.ForeignKey("mdm.SourceRecord", on_delete=models.CASCADE, related_name="+")
    source_b = models.ForeignKey("mdm.SourceRecord", on_delete=models.CASCADE, related_name="+")
    golden_id_a = models.CharField(max_length=24, help_text="Golden record of source_a when asked.")
    golden_id_b = models.CharField(max_length=24)
    probability = models.FloatField(help_text="Match probability (0–1) when asked.")
    contributions = models.JSONField(default=dict, help_text="Per attribute: its share of the score (log2 Bayes factor).")
    levels = models.JSONField(default=dict, help_text="Per attribute: the agreement level reached.")
    rule = models.CharField(max_length=80, blank=True, help_text="The identity rule that decided, if any.")
    why = models.CharField(max_length=10, choices=Why.choices)
    model_key = models.CharField(max_length=32, help_text="matching.teaching.model_key of the model that asked.")
    stratum_size = models.PositiveIntegerField(default=0, help_text="Audits: pairs in the stratum it was drawn from.")
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["model_key", "key_a", "key_b"], name="one_question_per_pair_and_model")]
        indexes = [models.Index(fields=["domain", "answer"], name="label_request_by_domain")]


class RulePreview(models.Model):
    """What re-matching a domain with proposed thresholds (and maybe a model fitted again) would
    do, computed in batch (matching.rule_change); large domains compute it in a Celery task, and
    the row says how far it got."""

    class Status(models.TextChoices):
        RUNNING = "running", "Computing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    domain = models.CharField(max_length=10, choices=Domain.choices)
    upper = models.FloatField()
    lower = models.FloatField()
    refit = models.BooleanField(default=False, help_text="Fit the model on the current data first.")
    model_key = models.CharField(max_length=32, help_text="The domain's model when the preview was asked.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
