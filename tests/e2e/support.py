"""What every browser test may use: the viewport widths and the axe-core accessibility check.

Pages are checked against WCAG 2.1 A and AA; a serious or critical violation fails the test.
"""

import pytest

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
DESKTOP, MOBILE = 1280, 390


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(page) -> None:
    """Fail with a readable list if axe finds a serious or critical WCAG 2.1 AA violation."""
    violations = axe_violations(page)
    if not violations:
        return
    lines = [f"{len(violations)} serious/critical axe violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}")
    pytest.fail("\n".join(lines), pytrace=False)
