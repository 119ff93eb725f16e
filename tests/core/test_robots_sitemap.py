import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def test_robots_points_to_the_sitemap_and_hides_private_paths(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /admin/" in body
    assert "Disallow: /consult/track/" in body


def test_sitemap_lists_the_pages_in_both_languages(client):
    # /sitemap.xml is an index of one sitemap per section; the site's pages are in "pages".
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    sections = [loc.text for loc in ET.fromstring(response.content).findall("s:sitemap/s:loc", NS)]
    assert "http://testserver/sitemap-pages.xml" in sections
    response = client.get("/sitemap-pages.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locations = {loc.text for loc in root.findall("s:url/s:loc", NS)}
    for path in ("/", "/about/", "/services/"):
        assert f"http://testserver{path}" in locations
        assert f"http://testserver/en{path}" in locations
    alternates = {link.get("hreflang") for link in root.iter(f"{{{NS['x']}}}link")}
    assert {"ko", "en", "x-default"} <= alternates
