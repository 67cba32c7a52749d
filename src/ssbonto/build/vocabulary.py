"""The names curated tables may use, read from the hand-written TBox (never hard-coded)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from ..namespaces import SSB


def _local(iri: URIRef) -> str:
    return str(iri)[len(str(SSB)):]


def _ours(iri) -> bool:
    return isinstance(iri, URIRef) and str(iri).startswith(str(SSB))


def subclasses(tbox: Graph, root: URIRef) -> dict[str, URIRef]:
    """Named subclasses of root (root included), by local name."""
    found = {root}
    frontier = [root]
    while frontier:
        current = frontier.pop()
        for sub in tbox.subjects(RDFS.subClassOf, current):
            if _ours(sub) and sub not in found:
                found.add(sub)
                frontier.append(sub)
    return {_local(c): c for c in found}


def instances(tbox: Graph, cls: URIRef) -> dict[str, URIRef]:
    classes = subclasses(tbox, cls).values()
    return {_local(i): i for c in classes for i in tbox.subjects(RDF.type, c) if _ours(i)}


def super_properties(tbox: Graph) -> dict[URIRef, set[URIRef]]:
    """Each property of ours with its super-properties of ours (rdfs:subPropertyOf, transitively):
    firstSide -> {hasSide, involvesMaterial}. Super-properties elsewhere (acronym's skos:altLabel)
    are left out."""
    found: dict[URIRef, set[URIRef]] = {}
    for prop in set(tbox.subjects(RDFS.subPropertyOf, None)):
        parents, frontier = set(), [prop]
        while frontier:
            for parent in tbox.objects(frontier.pop(), RDFS.subPropertyOf):
                if parent not in parents and parent != prop:
                    parents.add(parent)
                    frontier.append(parent)
        ours = {parent for parent in parents if _ours(parent)}
        if _ours(prop) and ours:
            found[prop] = ours
    return found


@dataclass(frozen=True)
class Vocabulary:
    techniques: dict[str, URIRef]
    technique_families: dict[str, URIRef]
    measurands: dict[str, URIRef]
    observables: dict[str, URIRef]
    information_kinds: dict[str, URIRef]
    modes: dict[str, URIRef]
    stimuli: dict[str, URIRef]
    roles: dict[str, URIRef]
    material_classes: dict[str, URIRef]
    interface_classes: dict[str, URIRef]
    cell_classes: dict[str, URIRef]
    composite_classes: dict[str, URIRef]
    facilities: dict[str, URIRef]
    events: dict[str, URIRef]

    @classmethod
    def from_tbox(cls, tbox: Graph) -> "Vocabulary":
        families = {
            _local(sub): sub
            for sub in tbox.subjects(RDFS.subClassOf, SSB.CharacterizationTechnique)
            if _ours(sub)
        }
        roles = {name[: -len("Role")]: iri for name, iri in instances(tbox, SSB.MaterialRole).items()
                 if name.endswith("Role")}
        return cls(
            techniques=subclasses(tbox, SSB.CharacterizationTechnique),
            technique_families=families,
            measurands=instances(tbox, SSB.Measurand),
            observables=instances(tbox, SSB.Observable),
            information_kinds=instances(tbox, SSB.InformationKind),
            modes=instances(tbox, SSB.MeasurementMode),
            stimuli=instances(tbox, SSB.Stimulus),
            roles=roles,
            material_classes=subclasses(tbox, SSB.Material),
            interface_classes=subclasses(tbox, SSB.Interface),
            cell_classes=subclasses(tbox, SSB.BatteryCell) | {
                k: v for k, v in subclasses(tbox, SSB.StudiedEntity).items()
                if k == "CompositeElectrode"},
            composite_classes=subclasses(tbox, SSB.CompositeElectrolyte),
            facilities=instances(tbox, SSB.Facility),
            events=instances(tbox, SSB.ProcessEvent),
        )
