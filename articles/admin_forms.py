"""The shape of the editors' forms; the rules themselves live in articles.services and
articles.images, which these forms call so that a mistake shows on the form."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from articles import images, services
from articles.models import Article, Image


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "language",
            "translation",
            "category",
            "tags",
            "excerpt",
            "body_source",
            "editor_note",
            "lead_image",
            "series",
            "series_part",
            "status",
            "published_at",
        ]
        widgets = {
            "body_source": forms.Textarea(
                attrs={"rows": 24, "class": "article-body-source", "spellcheck": "true"}
            ),
            "excerpt": forms.Textarea(attrs={"rows": 3}),
            "editor_note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "body_source": _(
                "Markdown: blank line between paragraphs, ## for a heading, **bold**, *italic*, "
                "[text](https://…) for a link, | tables |, [^1] for a footnote. Video embeds "
                "only from the allowed hosts; anything else unsafe is removed on save."
            ),
            "published_at": _(
                "When readers see it (Seoul time). Published with a time ahead means "
                "scheduled: it appears by itself at that time."
            ),
        }

    def _post_clean(self):
        super()._post_clean()
        try:
            services.article_check(article=self.instance)
        except ValidationError as error:
            self._update_errors(error)


def _chosen_rows(formset) -> list[dict]:
    """The rows of an inline formset that stay (not deleted, not empty), in the editor's order
    (position, then the order on the page)."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None)
        if not data or (formset.can_delete and formset._should_delete_form(form)):
            continue
        rows.append((data.get("position") or 0, index, data))
    return [data for _position, _index, data in sorted(rows, key=lambda row: row[:2])]


class RelatedInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        targets = [row["target"] for row in _chosen_rows(self) if row.get("target")]
        if self.instance.pk and any(target.pk == self.instance.pk for target in targets):
            raise ValidationError(_("An article cannot be related to itself."))
        if len(targets) > services.RELATED_MAX:
            raise ValidationError(
                _("Choose at most %(max)d related articles."), params={"max": services.RELATED_MAX}
            )


def related_from(formset) -> list[Article]:
    return [row["target"] for row in _chosen_rows(formset) if row.get("target")]


def authors_from(formset) -> list:
    return [row["author"] for row in _chosen_rows(formset) if row.get("author")]


def interviewees_from(formset) -> list[services.IntervieweeData]:
    return [
        services.IntervieweeData(name=row["name"], role=row.get("role") or "")
        for row in _chosen_rows(formset)
        if row.get("name")
    ]


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "is_decorative", "caption", "credit"]
        # The original is private: no link to it (no URL serves it).
        widgets = {"file": forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})}
        # A plain file field: Django's ImageField would open the picture itself and answer
        # "not an image" to one over Pillow's limit; validate_image_upload checks it all,
        # with the message that says why.
        field_classes = {"file": forms.FileField}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and "file" in self.changed_data:
            images.validate_image_upload(upload)
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("is_decorative") and not (data.get("alt_text") or "").strip():
            self.add_error(
                "alt_text",
                _("Describe the picture, or tick “decorative” if it adds nothing to the text."),
            )
        if data.get("is_decorative"):
            data["alt_text"] = (data.get("alt_text") or "").strip()
        return data
