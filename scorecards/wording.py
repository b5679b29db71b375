"""The words of the maturity scale and of the scores, in one place, for the pages and the method page."""

from __future__ import annotations

from models.vocabulary import LEVELS

# DESIGN.md "Maturity scale": what each level means, and the evidence it needs.
LEVEL_MEANINGS = {
    0: "No commitment recorded, or nothing reported for the cycle.",
    1: "A commitment with an owner and dated milestones.",
    2: "Implementation under way: at least one milestone done.",
    3: "The area's core deliverable exists.",
    4: "Embedded: reviewed within the cycle and used in decisions.",
}
LEVEL_EVIDENCE = {
    0: "",
    1: "",
    2: "",
    3: "Evidence required: without it, a claim of 3 counts 2.",
    4: "Evidence verified by the secretariat required: unverified, a claim of 4 counts 3.",
}
CHANGE_WORDS = {"up": "Up", "down": "Down", "same": "Same", None: "No earlier cycle"}
AUDIENCE_NOTES = {
    "internal": "Internal view: live figures and every text, as the organization and the secretariat see them.",
    "peer": "Peer view: the published scorecard, without confidential narratives or internal comments.",
    "donor": "Donor view: the published scorecard, without confidential or internal text.",
}


def level_scale() -> list[dict[str, object]]:
    return [
        {"level": level, "name": name, "meaning": LEVEL_MEANINGS[level], "evidence": LEVEL_EVIDENCE[level]}
        for level, name in LEVELS.items()
    ]
