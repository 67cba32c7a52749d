"""The pictures: Table 9 as a grid of techniques × information kinds, the techniques' spatial
resolution and probing depth on a logarithmic scale, and the references per year by technique
family — each an SVG drawn on the server, with its data as a table below it and as CSV."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from ..problems import problem
from ..served import served_release
from .current import reader, template_helpers
from .picture_data import capability_matrix, lengths, references_per_year
from .svg_charts import capability_chart, length_chart, per_year_chart

blueprint = Blueprint("pictures", __name__)

PICTURES = {  # name -> (title, what it shows)
    "capabilities": ("Table 9: what each technique tells you",
                     "The review's Table 9 as a grid: a mark where a technique gives that kind of information; "
                     "each mark links to its row of Table 9."),
    "resolution": ("Spatial resolution and probing depth",
                   "The lengths the review's quantified findings give for each technique, on a logarithmic "
                   "scale: spatial resolution (●), probing depth (□) and length scale (◆); a line spans a range, a "
                   "dashed arrow a bound. Each mark links to its finding or table row."),
    "references-per-year": ("References per year by technique family",
                            "How many of the review's references appeared each year, in all and for each technique "
                            "family whose uses or findings cite them (a reference cited for two families counts in "
                            "both). Each bar links to that year's references."),
}


def _data(name: str):
    served = served_release()
    reading = reader()
    readers = {"capabilities": capability_matrix, "resolution": lengths, "references-per-year": references_per_year}
    return reading, served.cached(("picture", name), lambda: readers[name](reading))


def _chart(name: str):
    reading, data = _data(name)
    root = request.script_root

    def year_link(year: int) -> str:
        return f"{root}/id/reference/?" + urlencode({"year": year})
    if name == "capabilities":
        return reading, data, capability_chart(data, reading)
    if name == "resolution":
        return reading, data, length_chart(data, reading)
    return reading, data, per_year_chart(data, reading, year_link)


@blueprint.route("/pictures/")
def gallery() -> Response:
    served = served_release()

    def page():
        charts = {}
        for name in PICTURES:
            reading, _, chart = _chart(name)
            charts[name] = chart
        return render_template("pictures.html", pictures=PICTURES, charts=charts, version=served.version)
    return Response(served.cached("pictures-page", page), mimetype="text/html")


@blueprint.route("/pictures/<name>")
def picture(name: str) -> Response:
    if name.endswith(".csv") and name[:-4] in PICTURES:
        reading, data = _data(name[:-4])
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(data.csv_rows(reading))
        response = Response(buffer.getvalue(), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'inline; filename="ssbonto-{name}"'
        return response
    if name not in PICTURES:
        return problem(404, f"no picture {name!r}; the pictures are " + ", ".join(PICTURES)
                            + " (each also as .csv)")
    served = served_release()
    reading, data, chart = _chart(name)
    title, about = PICTURES[name]
    body = served.cached(("picture-page", name), lambda: render_template(
        "picture.html", name=name, title=title, about=about, chart=chart, data=data,
        rows=data.csv_rows(reading), version=served.version, **template_helpers(reading)))
    return Response(body, mimetype="text/html")
