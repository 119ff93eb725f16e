"""The registry's exchange format: the columns of the import template and the words each value
may be written with. The importer reads with it and the CSV export writes with it, so an export
re-imports unchanged.
"""

from dataclasses import dataclass

from registry.models import Industry, LegalType, MemberType, Status


@dataclass(frozen=True)
class Column:
    field: str  # Cooperative field (or "district" for the district's Korean name)
    header_ko: str
    header_en: str
    required: bool = False


# The public template (Seoul's open-data files use these Korean headers), in this order.
TEMPLATE_COLUMNS: tuple[Column, ...] = (
    Column("name", "조합명", "name", required=True),
    Column("legal_type", "유형", "coop_type", required=True),
    Column("member_type", "조합원유형", "member_type"),
    Column("registration_no", "신고번호", "registration_no"),
    Column("registration_date", "신고수리일", "registration_date"),
    Column("industry", "업종", "industry"),
    Column("main_business", "주요사업", "main_business"),
    Column("address", "소재지도로명주소", "address"),
    Column("district", "자치구", "district"),
    Column("members", "조합원수", "members"),
    Column("capital_krw", "출자금", "capital_krw"),
    Column("status", "상태", "status"),
    Column("data_as_of", "데이터기준일자", "data_as_of"),
)

# Optional columns the importer also reads and the export also writes.
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("incorporation_date", "법인설립일", "incorporation_date"),
    Column("status_date", "상태변경일", "status_date"),
    Column("status_reason", "상태사유", "status_reason"),
    Column("ksic_class", "업종코드", "ksic_class"),
    Column("members_as_of", "조합원수기준일", "members_as_of"),
    Column("capital_as_of", "출자금기준일", "capital_as_of"),
)

# Written by the export only where the co-op consented; never read by the importer, because
# consent is recorded by staff, not by a file.
CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("phone", "전화번호", "phone"),
    Column("email", "이메일", "email"),
    Column("website", "홈페이지", "website"),
)

EXPORT_COLUMNS = TEMPLATE_COLUMNS + EXTRA_COLUMNS + CONTACT_COLUMNS
IMPORT_COLUMNS = TEMPLATE_COLUMNS + EXTRA_COLUMNS

# Korean words for each value; the first is the one the export writes. Codes (the choice
# values, e.g. "general") are always accepted as well.
LEGAL_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    LegalType.GENERAL: ("일반협동조합", "협동조합"),
    LegalType.FEDERATION: ("협동조합연합회",),
    LegalType.SOCIAL: ("사회적협동조합",),
    LegalType.SOCIAL_FEDERATION: ("사회적협동조합연합회",),
    LegalType.MIXED_FEDERATION: ("이종협동조합연합회",),
}
MEMBER_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    MemberType.PRODUCER: ("사업자", "사업자협동조합", "생산자"),
    MemberType.CONSUMER: ("소비자", "소비자협동조합"),
    MemberType.WORKER: ("직원", "직원협동조합", "노동자"),
    MemberType.MULTI_STAKEHOLDER: ("다중이해관계자", "다중이해관계자협동조합"),
    MemberType.OTHER: ("기타",),
}
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    Status.OPERATING: ("운영", "운영중", "정상"),
    Status.NOT_OPERATING: ("미운영", "휴업", "폐업"),
    Status.DISSOLVED: ("해산",),
    Status.LIQUIDATED: ("청산", "청산종결"),
    Status.CANCELLED: ("취소", "설립취소", "인가취소"),
}
# KSIC section names as published by Statistics Korea (10th revision).
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    Industry.A: ("농업, 임업 및 어업",),
    Industry.B: ("광업",),
    Industry.C: ("제조업",),
    Industry.D: ("전기, 가스, 증기 및 공기 조절 공급업",),
    Industry.E: ("수도, 하수 및 폐기물 처리, 원료 재생업",),
    Industry.F: ("건설업",),
    Industry.G: ("도매 및 소매업",),
    Industry.H: ("운수 및 창고업",),
    Industry.I: ("숙박 및 음식점업",),
    Industry.J: ("정보통신업",),
    Industry.K: ("금융 및 보험업",),
    Industry.L: ("부동산업",),
    Industry.M: ("전문, 과학 및 기술 서비스업",),
    Industry.N: ("사업시설 관리, 사업 지원 및 임대 서비스업",),
    Industry.O: ("공공 행정, 국방 및 사회보장 행정",),
    Industry.P: ("교육 서비스업",),
    Industry.Q: ("보건업 및 사회복지 서비스업",),
    Industry.R: ("예술, 스포츠 및 여가관련 서비스업",),
    Industry.S: ("협회 및 단체, 수리 및 기타 개인 서비스업",),
    Industry.T: ("가구 내 고용활동 및 달리 분류되지 않은 자가 소비 생산활동",),
    Industry.U: ("국외기관",),
}


def korean_word(words: dict[str, tuple[str, ...]], value: str) -> str:
    """The Korean word the export writes for a stored value ("" stays "")."""
    return words[value][0] if value else ""
