"""``python -m partner_sim serve|generate`` (see ``partner_sim.cli``)."""

from partner_sim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
