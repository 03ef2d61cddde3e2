"""The features of the reference portal, in the order their tables are created."""

from __future__ import annotations

from reference_portal.portal import Feature


def default_features() -> list[Feature]:
    from reference_portal.auth import FEATURE as AUTH
    from reference_portal.catalogue_feature import FEATURE as CATALOGUE
    from reference_portal.clock_feature import FEATURE as CLOCK
    from reference_portal.feedback import FEATURE as FEEDBACK
    from reference_portal.inbound import FEATURE as INBOUND
    from reference_portal.officer import FEATURE as OFFICER
    from reference_portal.payments import FEATURE as PAYMENTS
    from reference_portal.public import FEATURE as PUBLIC
    from reference_portal.web_pages import FEATURE as WEB

    return [AUTH, PAYMENTS, PUBLIC, FEEDBACK, INBOUND, CATALOGUE, WEB, OFFICER, CLOCK]
