"""Local Shopify Partner API simulator (dev and test only, never deployed).

Entry points:
- ``python -m partner_sim serve|generate`` (see ``partner_sim.cli``)
- ``partner_sim.scenario.load_scenario(path) -> Scenario``
- ``partner_sim.generator.generate(seed, apps, shops, years, now) -> GeneratedOrg``
- ``partner_sim.app.create_app(scenario, config) -> Starlette``
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
