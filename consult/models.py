"""The case desk's data. Status, track, assignee and priority are written only by
consult.workflow; everything here stores codes, and labels come from the translations."""

from datetime import timedelta

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

    def reportable(self):
        """The cases the managers' reports count: real inquiries, so neither the center's
        test cases nor spam nor duplicates merged into another case."""
        return self.filter(is_test=False).exclude(status__in=(Status.SPAM, Status.MERGED))


def email_normalise(email: str) -> str:
    """Addresses are matched trimmed and without regard to case, as citizens type them:
    queries compare this with `iexact`, Python with emails_match()."""
    return email.strip()


def emails_match(a: str, b: str) -> bool:
    """Whether two addresses are the same citizen's (the one rule for telling citizens
    apart: a merge, a privacy request and the lost-link form all go by the address)."""
    return email_normalise(a).upper() == email_normalise(b).upper()


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
    # Set by a merge into the case of another citizen (a manager confirmed it): the merge
    # leaves this case's thread where it is, and its tracking links stop here instead of
    # following merged_into, so that neither citizen ever sees the other's messages.
    merged_other_citizen = models.BooleanField(
        _("merged into another citizen's case"), default=False, editable=False
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
    # Set by consult.privacy.cases_anonymise once the retention period is over (PIPA
    # art. 21) or on the citizen's request (art. 36): their data is gone, the statistics
    # fields remain.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # While a case waits on the citizen its clock is paused: the workflow sets waiting_since
    # on entering `waiting_on_citizen` and, on leaving it, adds the business days spent
    # waiting to waiting_business_days (reports subtract them from resolution times).
    waiting_since = models.DateTimeField(
        _("waiting on the citizen since"), null=True, blank=True, editable=False
    )
    waiting_business_days = models.PositiveIntegerField(
        _("business days spent waiting on the citizen"), default=0, editable=False
    )
    # A case the center made to try the desk out: no survey, left out of the reports.
    is_test = models.BooleanField(
        _("test case"),
        default=False,
        help_text=_("Test cases get no satisfaction survey and are left out of the reports."),
    )
    # Set when a co-op the center helped found is registered: reports count these.
    cooperative = models.ForeignKey(
        "registry.Cooperative",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("co-op founded"),
        related_name="founding_cases",
        help_text=_("The registry entry of the co-op this case helped to found."),
    )

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
            models.CheckConstraint(
                condition=Q(merged_other_citizen=False) | Q(status=Status.MERGED),
                name="consult_case_other_citizen_only_merged",
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
        # A privacy request handled for the citizen (new_value "exported" or "erased"): the
        # event says that it happened and who did it, never what was exported.
        PRIVACY = "privacy", _("privacy request")

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


# --- the center's own calendar ---------------------------------------------------------


class ClosingDay(models.Model):
    """A day the center is closed besides weekends and public holidays (a foundation day,
    a move): deadlines and reminders count it as a holiday."""

    date = models.DateField(_("date"), unique=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closing day")
        verbose_name_plural = _("closing days")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


# --- education: founding courses ------------------------------------------------------


class Course(models.Model):
    """A course the center runs again and again ("Co-op founding basics", twice a month)."""

    title_ko = models.CharField(_("Korean title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=False)
    summary_ko = models.TextField(_("Korean description"), blank=True)
    summary_en = models.TextField(_("English description"), blank=True)
    default_capacity = models.PositiveSmallIntegerField(_("usual number of seats"), default=30)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title_ko"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_capacity__gt=0), name="consult_course_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title_ko

    def title(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title_ko

    def summary(self, language: str) -> str:
        return self.summary_en if language == "en" and self.summary_en else self.summary_ko


class CourseSessionQuerySet(models.QuerySet):
    def listed(self):
        """Sessions on the public calendar: of an active course, not yet started. The one
        definition used by the calendar, the session page, the sitemap and the bench."""
        return self.filter(course__is_active=True, starts_at__gt=timezone.now())

    def enrollable(self):
        """Listed sessions that take enrolments (seats or a waiting list)."""
        return self.listed().filter(is_open=True)


class CourseSession(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", pgettext_lazy("session format", "In person")
        ONLINE = "online", pgettext_lazy("session format", "Online")

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(
        _("format"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON
    )
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("Address and room, for in-person sessions."),
    )
    online_url = models.URLField(
        _("online link"),
        blank=True,
        help_text=_("Sent to confirmed participants only; never shown on the public page."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="ko"
    )
    capacity = models.PositiveSmallIntegerField(_("seats"))
    # Confirmed places plus seats held for an offer from the waiting list. Changed only by
    # consult.education under the session's row lock; the constraint below is what makes
    # "capacity is never exceeded" true whatever the code does.
    seats_taken = models.PositiveSmallIntegerField(_("seats taken"), default=0, editable=False)
    is_open = models.BooleanField(_("open for enrolment"), default=True)
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counselor in charge"),
    )

    objects = CourseSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("course session")
        verbose_name_plural = _("course sessions")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"], name="consult_session_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0), name="consult_session_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=models.F("capacity")),
                name="consult_session_not_overbooked",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="consult_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(mode="in_person") | ~Q(place=""),
                name="consult_session_in_person_has_place",
            ),
            models.CheckConstraint(
                condition=~Q(mode="online") | ~Q(online_url=""),
                name="consult_session_online_has_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("education:session", args=[self.pk])

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class Enrolment(models.Model):
    """A case's place in a course session, or its place in the session's waiting list."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", pgettext_lazy("enrolment", "Confirmed")
        WAITLISTED = "waitlisted", pgettext_lazy("enrolment", "On the waiting list")
        # A freed seat held for the first on the waiting list until offer_expires_at.
        OFFERED = "offered", pgettext_lazy("enrolment", "Seat offered")
        CANCELLED = "cancelled", pgettext_lazy("enrolment", "Cancelled")
        EXPIRED = "expired", pgettext_lazy("enrolment", "Offer expired")

    class Attendance(models.TextChoices):
        UNKNOWN = "", pgettext_lazy("attendance", "Not recorded")
        ATTENDED = "attended", pgettext_lazy("attendance", "Attended")
        ABSENT = "absent", pgettext_lazy("attendance", "Absent")

    session = models.ForeignKey(
        CourseSession,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("course session"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("case")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, editable=False)
    # Arrival order on the waiting list: the time of the request, then the primary key.
    requested_at = models.DateTimeField(_("requested"), default=timezone.now, editable=False)
    offer_expires_at = models.DateTimeField(
        _("offer expires"), null=True, blank=True, editable=False
    )
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, blank=True, default=""
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolled by"),
        help_text=_("Empty when the citizen enrolled through their tracking link."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session", "requested_at", "pk"]
        indexes = [
            models.Index(fields=["session", "status", "requested_at"], name="consult_enrol_queue")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["confirmed", "waitlisted", "offered", "cancelled", "expired"]
                ),
                name="consult_enrolment_status_valid",
            ),
            # One live enrolment per case and session; cancelled ones may be followed by a
            # new request.
            models.UniqueConstraint(
                fields=["session", "case"],
                condition=Q(status__in=["confirmed", "waitlisted", "offered"]),
                name="consult_enrolment_one_live_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="consult_enrolment_offer_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(attendance="") | Q(status="confirmed"),
                name="consult_enrolment_attendance_when_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} @ {self.session}"


# --- consulting: engagements of several meetings ----------------------------------------


class EngagementKind(models.TextChoices):
    FOUNDING = "founding", _("Founding a co-op")
    OPERATING = "operating", _("Running a co-op")
    CONVERSION = "conversion", _("Converting an organisation into a co-op")
    OTHER = "other", _("Other")


class ChecklistTemplateItem(models.Model):
    """One step of the checklist copied onto every engagement of a kind (founding: bylaws,
    founding meeting, report or approval, registration, business registration)."""

    kind = models.CharField(_("engagement kind"), max_length=20, choices=EngagementKind.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label_ko = models.CharField(_("Korean label"), max_length=200)
    label_en = models.CharField(_("English label"), max_length=200)

    class Meta:
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist steps")
        ordering = ["kind", "position", "pk"]

    def __str__(self) -> str:
        return self.label_ko


class Engagement(models.Model):
    """The consulting service for one case: its meetings and its checklist."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="engagement", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EngagementKind.choices)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("consulting engagement")
        verbose_name_plural = _("consulting engagements")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} ({self.get_kind_display()})"


class ExpertField(models.TextChoices):
    LEGAL = "legal", _("Legal")
    ACCOUNTING = "accounting", _("Accounting and tax")
    LABOUR = "labour", _("Labour")
    OTHER = "other", _("Other")


class Meeting(models.Model):
    """One session of a consulting engagement, with a counselor or an outside expert."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("engagement")
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place or link"), max_length=200, blank=True)
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counselor"),
    )
    expert_name = models.CharField(_("outside expert"), max_length=100, blank=True)
    expert_field = models.CharField(
        _("expert's field"), max_length=20, choices=ExpertField.choices, blank=True
    )
    summary = models.TextField(_("summary"), blank=True)
    next_step = models.TextField(_("agreed next step"), blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    # Set when the case's data is erased or anonymised before the meeting: nobody is
    # reminded of it any more. Meetings already held stay as they were (history).
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("consulting meeting")
        verbose_name_plural = _("consulting meetings")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"], name="consult_meeting_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(counselor__isnull=False) | ~Q(expert_name=""),
                name="consult_meeting_has_someone",
            ),
            models.CheckConstraint(
                condition=Q(expert_name="") | ~Q(expert_field=""),
                name="consult_meeting_expert_has_field",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement.case} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class ChecklistItem(models.Model):
    """A step of one engagement's checklist, copied from the template and ticked off."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("engagement")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label_ko = models.CharField(_("Korean label"), max_length=200)
    label_en = models.CharField(_("English label"), max_length=200)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticked off by"),
    )

    class Meta:
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist")
        ordering = ["engagement", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False),
                name="consult_checklist_done_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.label_ko


# --- satisfaction ----------------------------------------------------------------------


class Survey(models.Model):
    """The one satisfaction survey of a resolved case: a private link (hashed like the
    tracking links) that expires, and at most one answer."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="survey", verbose_name=_("case")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    # Set when the case's data is erased or anonymised before the citizen answered: the
    # link stops opening (survey_lookup) and no answer can come any more.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="consult_survey_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True, answered_at__isnull=True)
                | Q(rating__isnull=False, answered_at__isnull=False),
                name="consult_survey_answered_with_rating",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")), name="consult_survey_expires_later"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(answered_at__isnull=True),
                name="consult_survey_withdrawn_unanswered",
            ),
        ]

    def __str__(self) -> str:
        return str(self.case)


# --- access records (PIPA safety-measure standard, art. 8) ----------------------------


class AccessAction(models.TextChoices):
    CASE_VIEWED = "case_viewed", pgettext_lazy("access", "Case page viewed")
    ATTACHMENT_DOWNLOADED = "attachment_downloaded", pgettext_lazy("access", "File downloaded")
    CASES_EXPORTED = "cases_exported", pgettext_lazy("access", "Cases exported (CSV)")
    CITIZEN_DATA_EXPORTED = (
        "citizen_data_exported",
        pgettext_lazy("access", "Citizen's data exported"),
    )
    CITIZEN_DATA_ERASED = "citizen_data_erased", pgettext_lazy("access", "Citizen's data erased")


class AccessRecordQuerySet(models.QuerySet):
    def expired(self, *, now=None):
        """Records past the retention period (CONSULT_ACCESS_RECORD_DAYS): the purge's rule."""
        now = now or timezone.now()
        return self.filter(at__lt=now - timedelta(days=settings.CONSULT_ACCESS_RECORD_DAYS))


class AccessRecord(models.Model):
    """One staff access to a citizen's data: who, when, what, which case, from where.

    Append-only: written by consult.access, never changed; on PostgreSQL a trigger refuses
    any UPDATE, and any DELETE outside the retention purge (migration 0011). It holds no
    citizen data beyond the case reference, so the anonymisation leaves it alone, and a
    staff account deleted later leaves its records (and the username copied here) intact:
    the user column has no foreign-key constraint and no cascade."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("staff user"),
    )
    username = models.CharField(_("username"), max_length=150, db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=AccessAction.choices)
    case_reference = models.CharField(_("case"), max_length=32, blank=True, db_index=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    client_address = models.GenericIPAddressField(_("client address"))

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"
