"""The pages for researchers read through a remote store give what they give from the embedded
store: Oxigraph's server and Virtuoso behind `ssbonto serve --store` (the fixtures of
test_remote_store), page by page, table by table."""

from __future__ import annotations

import lxml.html
import pytest
import requests
from test_remote_store import front, oxigraph, pushed, virtuoso_front  # noqa: F401  (fixtures)

PAGES = ["/page/def/NeutronDepthProfiling", "/page/def/XRayTomography", "/page/id/material/lgps",
         "/page/def/LithiumDistribution?class=SulfideElectrolyte", "/page/def/IonicMotionInformation?subject=interface",
         "/page/id/reference/94", "/page/id/study/table-3-row-3", "/id/", "/id/material/?class=SulfideElectrolyte&sort=uses",
         "/id/study/?family=NeutronScatteringTechnique&mode=Operando", "/id/reference/?year=2018", "/def/",
         "/pictures/capabilities", "/pictures/resolution", "/pictures/references-per-year"]


def shown(url: str, path: str) -> list[str]:
    response = requests.get(url + path, headers={"Accept": "text/html"}, timeout=120)
    assert response.status_code == 200, (path, response.text[:300])
    html = lxml.html.fromstring(response.text)
    return [" ".join(node.text_content().split())
            for node in html.xpath("//main//table | //main//p[@class='none'] | //main//ul[@class='tree']")]


@pytest.mark.parametrize("remote", ["front", "virtuoso_front"])
def test_pages_read_through_a_remote_store_match_the_embedded_store(live_server, remote, request):
    url = request.getfixturevalue(remote)
    for path in PAGES:
        assert shown(url, path) == shown(live_server, path), path
