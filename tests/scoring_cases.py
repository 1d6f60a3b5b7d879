"""Small hand-made registries shared by the scoring tests."""

from __future__ import annotations

from matchmaker.models import Organisation

MAAS = Organisation(
    id="limburg-sme",
    name="Maas Composites",
    type="sme",
    region="NL42",
    sectors=["C22.29"],
    s3_priorities=["TP-INDMOD", "IE07"],
    languages=["nl", "en"],
    needs=[
        {
            "text": "Pilot lines for advanced materials",
            "keywords": ["pilot line", "advanced materials"],
        }
    ],
    offers=[
        {
            "text": "Injection moulding of composite parts",
            "keywords": ["injection moulding", "composites"],
        }
    ],
)
LIEGE = Organisation(
    id="liege-lab",
    name="Liège Materials Lab",
    type="research_organisation",
    region="BE33",
    sectors=["M72.19"],
    s3_priorities=["TP-INDMOD"],
    languages=["fr", "en"],
    offers=[
        {"text": "A pilot line for nanocomposites", "keywords": ["pilot line", "nanocomposites"]}
    ],
    needs=[{"text": "Industrial partners for composite parts", "keywords": ["composites"]}],
)
SUR = Organisation(
    id="far-agency",
    name="Agencia Sur",
    type="agency",
    region="ES61",
    sectors=["O84.13"],
    s3_priorities=["IE14"],
    languages=["es"],
    offers=[{"text": "Tourism marketing", "keywords": ["tourism"]}],
    needs=[{"text": "Hotel partners", "keywords": ["hotels"]}],
)
TRIO = [MAAS, LIEGE, SUR]
