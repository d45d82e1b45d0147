"""Fixed vocabularies of the generator: plans, currencies, names, uninstall reasons."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Plan:
    """A subscription plan an app sells."""

    name: str
    amount: Decimal
    annual: bool

    @property
    def monthly(self) -> Decimal:
        """Normalized monthly amount (annual ÷ 12; every annual price divides exactly)."""
        return self.amount / 12 if self.annual else self.amount


# Annual prices are multiples of 12 cents so that MRR (annual ÷ 12) is exact to the cent.
PLANS: tuple[Plan, ...] = (
    Plan("Basic", Decimal("9.99"), False),
    Plan("Pro", Decimal("29.00"), False),
    Plan("Plus", Decimal("79.00"), False),
    Plan("Basic Annual", Decimal("99.00"), True),
    Plan("Pro Annual", Decimal("288.00"), True),
    Plan("Plus Annual", Decimal("790.80"), True),
)
MONTHLY_PLANS = tuple(p for p in PLANS if not p.annual)
ANNUAL_PLANS = tuple(p for p in PLANS if p.annual)

#: Default currency mix of shops (the generator's ``currencies`` argument overrides it).
DEFAULT_CURRENCIES: dict[str, float] = {"USD": 0.82, "EUR": 0.08, "GBP": 0.05, "CAD": 0.05}

COUNTRIES: dict[str, tuple[str, ...]] = {
    "USD": ("US", "US", "US", "US", "MX", "PR"),
    "EUR": ("DE", "FR", "NL", "ES", "IT", "IE"),
    "GBP": ("GB",),
    "CAD": ("CA",),
    "AUD": ("AU",),
    "JPY": ("JP",),
}
LANGUAGE_OF_COUNTRY: dict[str, str] = {"DE": "de", "FR": "fr", "ES": "es", "MX": "es", "IT": "it", "JP": "ja"}

SHOPIFY_PLANS: tuple[str, ...] = ("basic", "basic", "shopify", "shopify", "advanced", "plus", "starter")

NAME_FIRST: tuple[str, ...] = (
    "Alpine", "Blue", "Cedar", "Copper", "Daisy", "Ember", "Fable", "Golden", "Harbor", "Indigo", "Juniper",
    "Kettle", "Lumen", "Maple", "Nomad", "Oak", "Pebble", "Quartz", "River", "Saffron", "Tidal", "Urban",
    "Velvet", "Willow", "Yonder", "Zen", "Little", "Wild", "Honest", "Bright", "Cozy", "North", "Sunny",
)
NAME_SECOND: tuple[str, ...] = (
    "Goods", "Supply", "Outfitters", "Boutique", "Candles", "Coffee", "Ceramics", "Apparel", "Pets", "Books",
    "Studio", "Market", "Botanicals", "Tea Co", "Bikes", "Jewelry", "Kitchen", "Soap", "Toys", "Threads",
)

#: Uninstall survey answers, localized to the merchant's language.
UNINSTALL_REASONS: dict[str, tuple[str, ...]] = {
    "en": ("The app didn't work as expected", "Too expensive", "I found a better app",
           "I no longer need the app", "Closing my store"),
    "fr": ("L'application ne fonctionnait pas comme prévu", "Trop cher", "J'ai trouvé une meilleure application"),
    "de": ("Die App hat nicht wie erwartet funktioniert", "Zu teuer", "Ich habe eine bessere App gefunden"),
    "es": ("La aplicación no funcionó como esperaba", "Demasiado caro", "Encontré una aplicación mejor"),
    "it": ("L'app non ha funzionato come previsto", "Troppo costosa"),
    "ja": ("アプリが期待どおりに動作しませんでした", "料金が高すぎる"),
}
UNINSTALL_DESCRIPTIONS: tuple[str | None, ...] = (
    None, None, None, "", "Missing integration with our ERP", "Switching platforms", "Merci pour tout",
    "Zu kompliziert für uns", "Seasonal store, back next year",
)
