"""A reference's citation rendered from its structured fields (authors, title, journal or book,
volume, issue, year, pages, publisher), with the journal or book title in italics by HTML. The
printed citation (dcterms:bibliographicCitation) is never shown as it is: it may carry markup."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from .reading import SSB, Reader, one_of, values

DCTERMS = "http://purl.org/dc/terms/"
FIELDS = {  # Citation field -> property
    "number": SSB + "referenceNumber",
    "authors": SSB + "authorList",
    "title": DCTERMS + "title",
    "container": SSB + "containerTitle",
    "volume": SSB + "volume",
    "issue": SSB + "issue",
    "year": SSB + "publicationYear",
    "pages": SSB + "pages",
    "publisher": SSB + "publisherName",
    "kind": SSB + "referenceKind",
}


@dataclass(frozen=True)
class Citation:
    iri: str
    href: str
    number: str = ""
    authors: str = ""
    title: str = ""
    container: str = ""
    volume: str = ""
    issue: str = ""
    year: str = ""
    pages: str = ""
    publisher: str = ""
    kind: str = ""

    @property
    def marker(self) -> str:
        return f"[{self.number}]" if self.number else ""

    def html(self) -> Markup:
        """`J. Liu et al., <i>Nat. Energy</i> 3 (1) (2018) 16.` for an article; books and chapters
        name their publisher: `J. Keeler, <i>Understanding NMR Spectroscopy</i>, John Wiley & Sons, 2011.`"""
        if self.kind in ("book", "chapter"):
            parts = [Markup("{}").format(self.authors)] if self.authors else []
            if self.kind == "chapter" and self.title and self.title != self.container:
                parts.append(Markup("<i>{}</i>, in: <i>{}</i>").format(self.title, self.container))
            else:
                parts.append(Markup("<i>{}</i>").format(self.title or self.container))
            parts += [Markup("{}").format(value) for value in (self.publisher, self.year) if value]
            if self.pages:
                parts.append(Markup("p. {}").format(self.pages))
            return Markup(", ").join(parts) + Markup(".")
        text = Markup("{}, <i>{}</i>").format(self.authors, self.container) if self.authors else \
            Markup("<i>{}</i>").format(self.container)
        if self.volume:
            text += Markup(" {}").format(self.volume)
        if self.issue:
            text += Markup(" ({})").format(self.issue)
        if self.year:
            text += Markup(" ({})").format(self.year)
        if self.pages:
            text += Markup(" {}").format(self.pages)
        return text + Markup(".")

    def linked(self) -> Markup:
        """`[94]` linked to the reference's page, then the citation."""
        return Markup('<a class="reference" href="{}" title="{}">{}</a> {}').format(
            self.href, self.iri, self.marker or self.iri, self.html())

    def sort_key(self) -> tuple:
        return (int(self.number) if self.number.isdigit() else 10**9, self.iri)


def read_citations(reader: Reader, iris) -> dict[str, Citation]:
    """The citations of these references, in one query."""
    iris = sorted(set(iris))
    if not iris:
        return {}
    fields: dict[str, dict[str, str]] = {iri: {} for iri in iris}
    by_property = {prop: name for name, prop in FIELDS.items()}
    for row in reader.rows(f"SELECT ?r ?p ?v WHERE {{ {values('r', iris)} ?r ?p ?v "
                           f"{one_of('p', FIELDS.values())} FILTER(isLiteral(?v)) }}"):
        fields[row["r"]].setdefault(by_property[row["p"]], row["v"])
    return {iri: Citation(iri, reader.href(iri), **found) for iri, found in fields.items()}


def sorted_citations(citations) -> list[Citation]:
    return sorted(citations, key=Citation.sort_key)


def first_references(reader: Reader, sparql: str, limit: int) -> dict[str, tuple[list[Citation], int]]:
    """For a query answering ?owner ?ref ?n (the reference's number): each owner's first `limit`
    references by number, read in full, and how many more there are."""
    cited: dict[str, dict[str, int]] = {}
    for row in reader.rows(sparql):
        number = int(row["n"]) if row.get("n", "").isdigit() else 10**9
        cited.setdefault(row["owner"], {})[row["ref"]] = number
    chosen = {owner: sorted(refs, key=lambda ref: (refs[ref], ref))[:limit] for owner, refs in cited.items()}
    citations = read_citations(reader, {ref for refs in chosen.values() for ref in refs})
    return {owner: ([citations[ref] for ref in chosen[owner]], len(cited[owner]) - len(chosen[owner]))
            for owner in cited}
