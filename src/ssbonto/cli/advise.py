"""`ssbonto advise --learn …`: the technique advisor on the command line (ssbonto.answers.advise)."""

from __future__ import annotations

import json
import sys
import textwrap

from .release import release_of, stderr

EXIT_OK, EXIT_USAGE = 0, 2


def add_arguments(parser) -> None:
    parser.add_argument("--learn", required=True, help="what you want to know: a measurand or information kind, "
                                                       "by IRI or words (lithium distribution, jump rate)")
    parser.add_argument("--subject", help="a material, material class, element, interface or cell (Li7P3S11, "
                                          "sulfide electrolyte, garnet, LiCoO2)")
    parser.add_argument("--where", help="bulk, surface, interface, grain-boundary or an interface type "
                                        "(kinetically-stable-interface, cathode-electrolyte-interface, ...)")
    parser.add_argument("--mode", help="ex-situ, in-situ, quasi-in-situ or operando")
    parser.add_argument("--stimulus", help="temperature, pressure, electrochemical-cycling or gas-atmosphere")
    parser.add_argument("--facility", help="lab (no large facility), synchrotron, neutron or any")
    parser.add_argument("--resolution", help="the spatial resolution you need, with a unit (100 nm, 5 um)")
    parser.add_argument("--limit", type=int, default=10, help="how many techniques to list (default 10, at most 50)")
    parser.add_argument("--format", choices=["table", "json"], default="table")


def run(args) -> int:
    from ..answers.advise import AdviceError, Advisor, AdvisorModel, Question
    from ..answers.search import SearchError, SearchIndex
    from ..store import EmbeddedStore

    release = release_of(args)
    try:
        index = SearchIndex.of_release(release)
    except (FileNotFoundError, ValueError) as error:
        stderr(f"error: {error}")
        return EXIT_USAGE
    advisor = Advisor(AdvisorModel.load(EmbeddedStore(release)), index)
    try:
        answer = advisor.advise(Question(args.learn, args.subject, args.where, args.mode, args.stimulus,
                                         args.facility, args.resolution, args.limit))
    except (AdviceError, SearchError) as error:
        stderr(f"error: --{error.parameter}: {error}")
        for suggestion in getattr(error, "suggestions", []):
            stderr(f"  did you mean: {suggestion['label']} <{suggestion['iri']}>")
        if getattr(error, "accepted", None):
            stderr("  accepted: " + ", ".join(error.accepted))
        return EXIT_USAGE
    if args.format == "json":
        print(json.dumps(answer, ensure_ascii=False, indent=1))
        return EXIT_OK
    sys.stdout.write(as_text(answer))
    return EXIT_OK


def as_text(answer: dict) -> str:
    understood = answer["understood"]
    lines = [f"learn: {understood['learn']['label']} <{understood['learn']['iri']}>"]
    if understood["subject"]:
        lines.append(f"subject: {understood['subject']['label']} ({understood['subject']['type']})")
    for name in ("where", "facility"):
        if understood[name]:
            lines.append(f"{name}: {understood[name]}")
    for name in ("mode", "stimulus"):
        if understood[name]:
            lines.append(f"{name}: {understood[name]['label']}")
    if understood["resolution"]:
        lines.append(f"resolution: {understood['resolution']['text']}")
    lines.append("")
    if answer.get("note"):
        lines.append(answer["note"])
    for rank, technique in enumerate(answer["techniques"], start=1):
        acronyms = f" ({', '.join(technique['acronyms'])})" if technique["acronyms"] else ""
        lines.append(f"{rank:2}. {technique['label']}{acronyms}  score {technique['score']}")
        for reason in technique["reasons"]:
            cited = "; ".join(s for s in reason["sources"] if s not in reason["text"])
            lines.extend(textwrap.wrap(f"+ {reason['text']}" + (f" ({cited})" if cited else ""), 100,
                                       initial_indent="    ", subsequent_indent="      "))
        for limit in technique["limits"]:
            lines.append(f"    - {limit}")
    if answer["left_out"]:
        lines.append("")
        lines.append("left out:")
        for entry in answer["left_out"]:
            lines.append(f"  {entry['label']}: {entry['why']}")
    return "\n".join(lines) + "\n"
