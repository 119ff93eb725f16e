import datetime

from django.db import migrations

NOTICE_KO = """개인정보 수집·이용 동의 (개인정보 보호법 제15조)

1. 수집 목적: 협동조합 상담 신청의 접수, 상담 진행과 회신, 교육·컨설팅 연계
2. 수집 항목: 이름, 이메일, 전화번호(선택), 자치구, 상담 내용과 첨부파일
3. 보유 기간: 상담 종결 후 3년. 기간이 끝나거나 목적을 달성하면 지체 없이 파기하거나 개인을 알아볼 수 없도록 익명 처리하며, 통계만 남깁니다(제21조).
4. 동의를 거부할 권리가 있습니다. 다만 동의하지 않으면 온라인 상담을 신청할 수 없으며, 전화나 방문으로 상담받을 수 있습니다."""

NOTICE_EN = """Consent to the collection and use of personal data (Personal Information Protection Act, art. 15)

1. Purpose: to receive your inquiry, counsel and answer you, and refer you to education or consulting.
2. Data collected: name, email, phone (optional), district, your message and attached files.
3. Retention: three years after the case is closed. When that period ends or the purpose is met, the data is destroyed without delay or anonymised so that no one can be identified; only statistics remain (art. 21).
4. You may refuse consent. Without it you cannot ask online, but you can still call or visit the center."""


def forwards(apps, schema_editor):
    Team = apps.get_model("consult", "Team")
    for track in ("triage", "education", "advice", "consulting"):
        Team.objects.get_or_create(track=track)
    PrivacyNotice = apps.get_model("consult", "PrivacyNotice")
    PrivacyNotice.objects.get_or_create(
        version="2026-01",
        defaults={
            "text_ko": NOTICE_KO,
            "text_en": NOTICE_EN,
            "effective_from": datetime.date(2026, 1, 1),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("consult", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
