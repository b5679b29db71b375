"""The words of the maturity scale and of the scores, in one place, for the pages and the method page."""

from __future__ import annotations

from models.vocabulary import LEVELS
from models.words import N_, gettext

# DESIGN.md "Maturity scale": what each level means, and the evidence it needs.
LEVEL_MEANINGS = {
    0: N_("No commitment recorded, or nothing reported for the cycle."),
    1: N_("A commitment with an owner and dated milestones."),
    2: N_("Implementation under way: at least one milestone done."),
    3: N_("The area's core deliverable exists."),
    4: N_("Embedded: reviewed within the cycle and used in decisions."),
}
LEVEL_EVIDENCE = {
    0: "",
    1: "",
    2: "",
    3: N_("Evidence required: without it, a claim of 3 counts 2."),
    4: N_("Evidence verified by the secretariat required: unverified, a claim of 4 counts 3."),
}
CHANGE_WORDS = {"up": N_("Up"), "down": N_("Down"), "same": N_("Same"), None: N_("No earlier cycle")}
AUDIENCE_NOTES = {
    "internal": N_(
        "Internal view: live figures and every text, as the organization and the secretariat see them."
    ),
    "peer": N_("Peer view: the published scorecard, without confidential narratives or internal comments."),
    "donor": N_("Donor view: the published scorecard, without confidential or internal text."),
}


def level_scale() -> list[dict[str, object]]:
    return [
        {
            "level": level,
            "name": gettext(name),
            "meaning": gettext(LEVEL_MEANINGS[level]),
            "evidence": gettext(LEVEL_EVIDENCE[level]) if LEVEL_EVIDENCE[level] else "",
        }
        for level, name in LEVELS.items()
    ]
