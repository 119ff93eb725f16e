from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """One of Seoul's 25 autonomous districts (자치구), loaded by a data migration."""

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    name_ko = models.CharField(_("Korean name"), max_length=20, unique=True)
    name_en = models.CharField(_("English name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the language of the current request."""
        return self.name_en if (get_language() or "ko").startswith("en") else self.name_ko


class LegalType(models.TextChoices):
    GENERAL = "general", _("General co-op")
    FEDERATION = "federation", _("Federation of co-ops")
    SOCIAL = "social", _("Social co-op")
    SOCIAL_FEDERATION = "social_federation", _("Federation of social co-ops")
    MIXED_FEDERATION = "mixed_federation", _("Mixed federation")


class MemberType(models.TextChoices):
    PRODUCER = "producer", _("Producer")
    CONSUMER = "consumer", _("Consumer")
    WORKER = "worker", _("Worker")
    MULTI_STAKEHOLDER = "multi_stakeholder", _("Multi-stakeholder")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    OPERATING = "operating", _("Operating")
    NOT_OPERATING = "not_operating", _("Not operating")
    DISSOLVED = "dissolved", _("Dissolved")
    LIQUIDATED = "liquidated", _("Liquidated")
    CANCELLED = "cancelled", _("Cancelled")


class Industry(models.TextChoices):
    """KSIC sections (Korean Standard Industrial Classification, 10th revision).

    Section K (finance and insurance) is listed so that an import can name it, but co-ops may
    not run it: the form, the importer and a database constraint all refuse it.
    """

    A = "A", _("Agriculture, forestry and fishing")
    B = "B", _("Mining and quarrying")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity, gas, steam and air conditioning supply")
    E = "E", _("Water supply; sewage, waste management and remediation")
    F = "F", _("Construction")
    G = "G", _("Wholesale and retail trade")
    H = "H", _("Transportation and storage")
    I = "I", _("Accommodation and food service activities")  # noqa: E741 (KSIC letter)
    J = "J", _("Information and communication")
    K = "K", _("Financial and insurance activities")
    L = "L", _("Real estate activities")
    M = "M", _("Professional, scientific and technical activities")
    N = "N", _("Business facilities management, business support and rental")
    O = "O", _("Public administration and defence; social security")  # noqa: E741
    # A context of its own: the KSIC name is "교육 서비스업", not the center's "교육" (education).
    P = "P", pgettext_lazy("KSIC section", "Education")
    Q = "Q", _("Human health and social work activities")
    R = "R", _("Arts, sports and recreation related services")
    S = "S", _("Membership organisations, repair and other personal services")
    T = (
        "T",
        _(
            "Activities of households as employers; undifferentiated goods- and services-producing "
            "activities of households for own use"
        ),
    )
    U = "U", _("Activities of extraterritorial organisations and bodies")


# Sections a co-op may register under (Framework Act on Cooperatives: no finance or insurance).
FORBIDDEN_INDUSTRIES = frozenset({Industry.K})
ALLOWED_INDUSTRIES = [(value, label) for value, label in Industry.choices if value != Industry.K]


class CooperativeQuerySet(models.QuerySet):
    def listed(self):
        """Co-ops shown in the public directory, its statistics, exports and sitemap: every
        registered co-op, whatever its status (researchers need the closed ones too)."""
        return self.all()

    def operating(self):
        return self.filter(status=Status.OPERATING)

    def with_public_relations(self):
        return self.select_related("district")


class Cooperative(models.Model):
    name = models.CharField(_("name"), max_length=200)
    legal_type = models.CharField(
        _("legal type"), max_length=20, choices=LegalType.choices, default=LegalType.GENERAL
    )
    member_type = models.CharField(
        _("membership structure"), max_length=20, choices=MemberType.choices, blank=True
    )
    registration_no = models.CharField(
        _("registration number"),
        max_length=50,
        blank=True,
        help_text=_("The number of the report (신고) or approval (인가)."),
    )
    registration_date = models.DateField(
        _("registration date"),
        null=True,
        blank=True,
        help_text=_("Date the report was accepted or the approval granted."),
    )
    incorporation_date = models.DateField(_("incorporation date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPERATING
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)
    industry = models.CharField(
        _("industry (KSIC section)"), max_length=1, choices=ALLOWED_INDUSTRIES, blank=True
    )
    ksic_class = models.CharField(
        _("KSIC class"),
        max_length=5,
        blank=True,
        help_text=_("Optional five-digit class, e.g. 47190."),
    )
    main_business = models.CharField(_("main business"), max_length=500, blank=True)
    address = models.CharField(_("road-name address"), max_length=300, blank=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="cooperatives"
    )
    members = models.IntegerField(_("members"), null=True, blank=True)
    members_as_of = models.DateField(_("members as of"), null=True, blank=True)
    # Money is whole won: an integer, never a float.
    capital_krw = models.BigIntegerField(_("share capital (won)"), null=True, blank=True)
    capital_as_of = models.DateField(_("share capital as of"), null=True, blank=True)

    contact_consent = models.BooleanField(
        _("contact details may be published"),
        default=False,
        help_text=_("Publish the phone, e-mail and website below only with the co-op's consent."),
    )
    contact_consent_at = models.DateTimeField(_("consent recorded"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)

    source = models.CharField(_("source"), max_length=200, blank=True)
    source_record_id = models.CharField(_("source record id"), max_length=100, blank=True)
    data_as_of = models.DateField(_("data as of"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CooperativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["district", "name"], name="registry_coop_district_idx"),
            models.Index(fields=["registration_date"], name="registry_coop_regdate_idx"),
            models.Index(fields=["status"], name="registry_coop_status_idx"),
            models.Index(fields=["name", "district"], name="registry_coop_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(members__gte=0), name="registry_coop_members_gte_0"),
            models.CheckConstraint(
                condition=Q(capital_krw__gte=0), name="registry_coop_capital_gte_0"
            ),
            models.CheckConstraint(
                condition=~Q(industry__in=sorted(FORBIDDEN_INDUSTRIES)),
                name="registry_coop_no_finance",
            ),
            models.CheckConstraint(
                condition=Q(legal_type__in=LegalType.values), name="registry_coop_legal_type"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="registry_coop_status_valid"
            ),
            models.UniqueConstraint(
                fields=["registration_no"],
                condition=~Q(registration_no=""),
                name="registry_coop_unique_registration_no",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:detail", args=[self.pk])

    @property
    def public_contact(self) -> dict[str, str]:
        """Phone, e-mail and website, only when the co-op consented to their publication."""
        if not self.contact_consent:
            return {}
        return {
            key: value
            for key, value in (
                ("phone", self.phone),
                ("email", self.email),
                ("website", self.website),
            )
            if value
        }


class Certification(models.Model):
    """A certification is a separate axis from the legal form (facts: social enterprise etc.)."""

    class Kind(models.TextChoices):
        SOCIAL_ENTERPRISE = "social_enterprise", _("Social enterprise")
        PRE_SOCIAL_ENTERPRISE = "pre_social_enterprise", _("Pre-social enterprise")
        VILLAGE_ENTERPRISE = "village_enterprise", _("Village enterprise")
        SELF_SUFFICIENCY_ENTERPRISE = (
            "self_sufficiency_enterprise",
            _("Self-sufficiency enterprise"),
        )

    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    kind = models.CharField(_("certification"), max_length=30, choices=Kind.choices)
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["certified_on", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "kind", "certified_on"],
                name="registry_cert_unique_per_date",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(certified_on__isnull=True)
                | Q(expires_on__gte=models.F("certified_on")),
                name="registry_cert_expires_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.certified_on or '—'})"


class ImportBatch(models.Model):
    """One run of the importer: the "which import" of a history entry."""

    source = models.CharField(_("source"), max_length=200)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created = models.PositiveIntegerField(_("co-ops created"), default=0)
    updated = models.PositiveIntegerField(_("co-ops updated"), default=0)
    unchanged = models.PositiveIntegerField(_("co-ops unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} · {self.filename or '—'} · {self.started_at:%Y-%m-%d %H:%M}"


class CooperativeChange(models.Model):
    """Append-only history: one row per changed field. Never updated, never deleted by the site."""

    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )
    field = models.CharField(_("field"), max_length=50)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("history")
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["cooperative", "-changed_at"], name="registry_change_coop_idx")
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id}.{self.field}: {self.old_value!r} → {self.new_value!r}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("History entries are append-only.")
        super().save(*args, **kwargs)

    @property
    def actor(self) -> str:
        if self.batch_id:
            return str(self.batch.source)
        if self.changed_by_id:
            return self.changed_by.get_username()
        return ""


def import_upload_to(_job: "ImportJob", filename: str) -> str:
    """A random name in the private storage (no URL serves it): the file's own name is kept
    in ImportJob.filename, never in a path."""
    import secrets
    from pathlib import PurePath

    return f"registry-imports/{secrets.token_urlsafe(24)}{PurePath(filename).suffix.lower()}"


# How long a finished preview can be imported as it is; then its file is deleted.
IMPORT_CONFIRM_WITHIN = timedelta(hours=1)


class ImportJobQuerySet(models.QuerySet):
    def confirmable(self, *, now=None):
        """The one rule of which finished job can be imported as it is: it kept its file
        (it found co-ops to create or change and did not import them), it is recent, and no
        import was started from it yet."""
        now = now or timezone.now()
        return self.filter(
            status=ImportJob.Status.DONE,
            finished_at__gte=now - IMPORT_CONFIRM_WITHIN,
            follow_up__isnull=True,
        ).exclude(file="")


class ImportJob(models.Model):
    """A preview or an import asked for on the admin's import page and run by a worker.

    The request only stores the upload (private storage) and this row; the worker reads the
    file, writes its progress here while it runs and its report when it ends. An import
    started from a preview points at it and reads the same file, which is deleted once no
    job needs it any more.
    """

    class Kind(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        IMPORT = "import", _("Import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    source = models.CharField(_("source"), max_length=200, blank=True)
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    previewed = models.OneToOneField(
        "self",
        verbose_name=_("confirms"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up",
    )
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("asked for"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    errors_count = models.PositiveIntegerField(_("errors"), default=0)
    created = models.PositiveIntegerField(_("co-ops created"), default=0)
    updated = models.PositiveIntegerField(_("co-ops updated"), default=0)
    unchanged = models.PositiveIntegerField(_("co-ops unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    # What the page shows, bounded (the first errors and changes, with the counts).
    report = models.JSONField(_("report"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["preview", "import"]), name="registry_importjob_kind"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="registry_importjob_status",
            ),
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")) | Q(rows_total=0),
                name="registry_importjob_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.filename} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return self.rows_done * 100 // self.rows_total if self.rows_total else 0
