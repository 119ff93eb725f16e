"""The case desk's data. Status, track, assignee and priority are written only by
consult.workflow; everything here stores codes, and labels come from the translations."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("case status", "New")
    TRIAGED = "triaged", pgettext_lazy("case status", "Triaged")
    IN_PROGRESS = "in_progress", pgettext_lazy("case status", "In progress")
    WAITING_ON_CITIZEN = "waiting_on_citizen", pgettext_lazy("case status", "Waiting on you")
    RESOLVED = "resolved", pgettext_lazy("case status", "Resolved")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    SPAM = "spam", pgettext_lazy("case status", "Spam")
    MERGED = "merged", pgettext_lazy("case status", "Merged")


# Cases a counselor still has to work on, and those that are over for good.
OPEN_STATUSES = (Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING_ON_CITIZEN)
FINAL_STATUSES = (Status.CLOSED, Status.SPAM, Status.MERGED)


class Track(models.TextChoices):
    TRIAGE = "triage", pgettext_lazy("service track", "Triage")
    EDUCATION = "education", pgettext_lazy("service track", "Education")
    ADVICE = "advice", pgettext_lazy("service track", "Advice")
    CONSULTING = "consulting", pgettext_lazy("service track", "Consulting")


SERVICE_TRACKS = (Track.EDUCATION, Track.ADVICE, Track.CONSULTING)


class ServiceWanted(models.TextChoices):
    EDUCATION = "education", _("Education: founding courses")
    ADVICE = "advice", _("Advice: a short answer")
    CONSULTING = "consulting", _("Consulting: several meetings")
    UNSURE = "unsure", _("Not sure yet")


class Stage(models.TextChoices):
    THINKING = "thinking", _("Thinking about a co-op")
    FOUNDING = "founding", _("Founding one")
    RUNNING = "running", _("Running one")


class Topic(models.TextChoices):
    BASICS = "basics", _("What a co-op is, what support exists")
    FOUNDING = "founding", _("Founding requirements, types and courses")
    REGISTRATION = "registration", _("Filing and registration")
    OPERATION = "operation", _("Running a co-op: accounting, labour, law")
    OTHER = "other", _("Something else")


class Priority(models.TextChoices):
    LOW = "low", pgettext_lazy("priority", "Low")
    NORMAL = "normal", pgettext_lazy("priority", "Normal")
    HIGH = "high", pgettext_lazy("priority", "High")
    URGENT = "urgent", pgettext_lazy("priority", "Urgent")


class Team(models.Model):
    """The counselors who work one track's cases; triage has its own team."""

    track = models.CharField(_("track"), max_length=20, choices=Track.choices, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="consult_teams"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["track"]

    def __str__(self) -> str:
        return str(Track(self.track).label)


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consult_memberships"
    )
    is_active = models.BooleanField(
        _("takes new cases"),
        default=True,
        help_text=_("Inactive counselors (on leave, say) are skipped by automatic assignment."),
    )
    # Round-robin: the active member assigned longest ago gets the next case.
    last_assigned_at = models.DateTimeField(_("last assigned"), null=True, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="consult_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.user}"


class PrivacyNotice(models.Model):
    """A version of the privacy notice citizens consent to; a case keeps the one it saw."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text_ko = models.TextField(_("Korean text"))
    text_en = models.TextField(_("English text"))
    effective_from = models.DateField(_("effective from"))

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-effective_from", "-pk"]

    def __str__(self) -> str:
        return self.version

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_ko


class ReferenceCounter(models.Model):
    """The last case number of a year; incremented under a row lock so that references stay
    unique and gapless even when citizens submit at the same instant.

    The same locked update counts the form's submissions since the intake last started a
    run: the first one queues a run, the others find it queued (consult.services)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
    taken_since_run = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(first_responded_at__isnull=True, first_response_due__lt=today)


class Inquiry(models.Model):
    """What a citizen tells us on the inquiry form: shared by the submission that arrives
    and the case it becomes."""

    # The citizen (no account): what they told us, kept only as long as the case needs it.
    # "name" alone is already the co-op's name in the catalogue: this is a person's.
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    stage = models.CharField(_("where they stand"), max_length=20, choices=Stage.choices)
    service_wanted = models.CharField(
        _("service wanted"), max_length=20, choices=ServiceWanted.choices
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    message = models.TextField(_("message"))
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="ko"
    )

    class Meta:
        abstract = True


class Case(Inquiry):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    district = models.ForeignKey(
        "registry.District",
        on_delete=models.PROTECT,
        verbose_name=_("district"),
        null=True,
        blank=True,
        related_name="cases",
    )
    consent_notice = models.ForeignKey(
        PrivacyNotice, on_delete=models.PROTECT, verbose_name=_("privacy notice")
    )
    consented_at = models.DateTimeField(_("consented at"))

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, editable=False
    )
    track = models.CharField(
        _("track"), max_length=20, choices=Track.choices, default=Track.TRIAGE, editable=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("assignee"),
        related_name="consult_cases",
    )
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=Priority.choices,
        default=Priority.NORMAL,
        editable=False,
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("merged into"),
        related_name="merged_cases",
    )
    # Bumped by every workflow change: a form that saw an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_due = models.DateField(_("first response due"), editable=False)
    first_responded_at = models.DateTimeField(
        _("first response"), null=True, blank=True, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    # Set by consult.services.case_anonymise once the retention period is over (PIPA
    # art. 21): the citizen's data is gone, the statistics fields remain.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-pk"]
        permissions = [("view_all_cases", _("Can see and reassign the cases of every team"))]
        indexes = [
            models.Index(fields=["status", "track", "-created_at"], name="consult_case_desk"),
            models.Index(fields=["assignee", "status", "-created_at"], name="consult_case_mine"),
            models.Index(fields=["-created_at", "-id"], name="consult_case_recent"),
            models.Index(fields=["email"], name="consult_case_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="consult_case_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(track__in=Track.values), name="consult_case_track_valid"
            ),
            # A case leaves `new` only once it has been routed to a service.
            models.CheckConstraint(
                condition=Q(status=Status.NEW)
                | ~Q(track=Track.TRIAGE)
                | Q(status=Status.SPAM)
                | Q(status=Status.MERGED),
                name="consult_case_routed_before_work",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.MERGED, merged_into__isnull=False)
                | (~Q(status=Status.MERGED) & Q(merged_into__isnull=True)),
                name="consult_case_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="consult_case_not_merged_in_self"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.is_open
            and self.first_responded_at is None
            and self.first_response_due < timezone.localdate()
        )

    def get_admin_url(self) -> str:
        return reverse("admin:consult_case_change", args=[self.pk])


class Submission(Inquiry):
    """An inquiry as it arrived, until the intake worker has opened it as a case.

    The form's POST writes this one row (its files are already stored) and takes the
    reference in the same transaction, so the citizen sees it at once and nothing they sent
    can be lost; assignment, the first message, the tracking link and the mails are the
    worker's (consult.services.submission_open), which deletes the row in the transaction
    that creates the case. A row that stays is retried by beat and shown in the desk."""

    # Every index here is written by the form's POST: only the ones something reads.
    reference = models.CharField(_("reference"), max_length=20, editable=False)
    district = models.ForeignKey(
        "registry.District",
        on_delete=models.PROTECT,
        verbose_name=_("district"),
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    consent_notice = models.ForeignKey(
        PrivacyNotice,
        on_delete=models.PROTECT,
        verbose_name=_("privacy notice"),
        related_name="+",
        db_index=False,
    )
    # Also the time of consent: the notice was agreed to with the form's POST.
    received_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    # The files as stored by the request: [{"path", "original_name", "content_type", "size"}].
    files = models.JSONField(default=list, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("inquiry awaiting intake")
        verbose_name_plural = _("inquiries awaiting intake")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="consult_submission_reference"),
        ]

    def __str__(self) -> str:
        return self.reference


class AccessToken(models.Model):
    """A private tracking link. Only a hash of the token is kept; the token itself exists
    in the mail the citizen received and nowhere else."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tracking link")
        verbose_name_plural = _("tracking links")

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    class Author(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        STAFF = "staff", _("Counselor")
        SYSTEM = "system", _("System")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(_("author"), max_length=10, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counselor"),
    )
    body = models.TextField(_("message"))
    # An internal note is for counselors only: never on the tracking page, never mailed.
    is_internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="consult_message_case")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(is_internal=True) | Q(author_kind="staff"),
                name="consult_message_internal_by_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_author_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_name(received_at, storage_name: str) -> str:
    # The citizen's file name is never part of the stored path.
    return f"consult/{received_at:%Y/%m}/{storage_name}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return attachment_name(instance.case.created_at, instance.storage_name)


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    storage_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        # No size constraint here: the limit is policy (CONSULT_MAX_FILE_BYTES, checked by
        # consult.uploads), and a deployment that raises it must not meet a database refusal.
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Event(models.Model):
    """One change of a case's status, track, assignee or priority (or a merge), written in
    the same transaction as the change and never changed afterwards."""

    class Actor(models.TextChoices):
        STAFF = "staff", _("Staff")
        CITIZEN = "citizen", _("Citizen (tracking link)")
        SYSTEM = "system", _("System")

    class Field(models.TextChoices):
        STATUS = "status", _("status")
        TRACK = "track", _("track")
        ASSIGNEE = "assignee", _("assignee")
        PRIORITY = "priority", _("priority")
        MERGED_INTO = "merged_into", _("merged into")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    actor_kind = models.CharField(_("actor"), max_length=10, choices=Actor.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    old_value = models.CharField(_("old value"), max_length=40, blank=True)
    new_value = models.CharField(_("new value"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="consult_event_case")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(actor_kind="staff") | Q(actor__isnull=False),
                name="consult_event_staff_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.field}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("Case events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Case events are immutable.")


class CannedReply(models.Model):
    """A ready answer for a track. {name} and {reference} are filled in for the case."""

    track = models.CharField(_("track"), max_length=20, choices=Track.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"), help_text=_("You may use {name} and {reference}; they are filled in.")
    )

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["track", "language", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["track", "language", "title"], name="consult_canned_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def render(self, case: Case) -> str:
        # Plain replacement, not str.format: a stray brace in a reply must not break it.
        return self.body.replace("{name}", case.name).replace("{reference}", case.reference)
