"""The center's standard checklists, one per engagement kind; counselors edit them in the
admin ("checklist steps"), and each new engagement copies the steps of its kind."""

from django.db import migrations

STEPS = {
    "founding": [
        ("정관 작성", "Draft the bylaws"),
        ("설립동의자 모집과 창립총회", "Gather the founders and hold the founding meeting"),
        ("설립신고 또는 설립인가", "File the founding report, or obtain approval"),
        ("설립등기", "Register the co-op at the court registry"),
        ("사업자등록", "Register the business with the tax office"),
    ],
    "operating": [
        ("정기총회 준비", "Prepare the annual general meeting"),
        ("회계와 결산 점검", "Review the accounts and the year-end settlement"),
        ("노무 관리 점검", "Review employment and labour obligations"),
    ],
    "conversion": [
        ("전환 타당성 검토", "Assess whether the conversion is feasible"),
        ("조합원과 총회 의결", "Win the members' vote at a general meeting"),
        ("정관 개정", "Amend the bylaws"),
        ("변경등기와 신고", "Register and report the change"),
    ],
}


def add_steps(apps, schema_editor):
    Item = apps.get_model("consult", "ChecklistTemplateItem")
    for kind, steps in STEPS.items():
        for position, (label_ko, label_en) in enumerate(steps, start=1):
            Item.objects.get_or_create(
                kind=kind,
                position=position,
                defaults={"label_ko": label_ko, "label_en": label_en},
            )


def remove_steps(apps, schema_editor):
    Item = apps.get_model("consult", "ChecklistTemplateItem")
    for kind, steps in STEPS.items():
        for position, (label_ko, _label_en) in enumerate(steps, start=1):
            Item.objects.filter(kind=kind, position=position, label_ko=label_ko).delete()


class Migration(migrations.Migration):
    dependencies = [("consult", "0008_services")]
    operations = [migrations.RunPython(add_steps, remove_steps)]
