"""Pure, deterministic planning of the demo catalog.

``build_catalog`` turns a product count, a seed and a clock into every row the
seeder writes (stores, categories, products with their offers and price
history), keyed by slugs and external ids rather than database ids. Nothing
here touches a database, so the realism rules are unit-testable.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from vitrine_server.demo.catalog import (
    CATEGORY_TREE,
    GENERIC_BLURBS,
    PRICE_RISING_KEYS,
    STORES,
    CategorySpec,
    ProductLine,
    StoreSpec,
)

CURRENCY = "BRL"
COUNTRY = "BR"
SLUG_MAX_LENGTH = 120  # the slug_text domain's limit
IMAGE_BASE_URL = "https://img.example.com.br/produtos"

# How many stores sell a product, and how many change points an offer's
# history has: (values, cumulative weights) for random.choices.
OFFER_COUNTS = ((1, 2, 3, 4, 5), tuple(itertools.accumulate((15, 25, 30, 18, 12))))
PRICE_CHANGE_COUNTS = ((1, 2, 3, 4, 5, 6), tuple(itertools.accumulate((10, 20, 25, 20, 15, 10))))
IN_STOCK_SHARE = 0.85
DISCOUNTED_SHARE = 0.45
# Upper bound 38%, not 40%: rounding the list price up to whole reais adds
# up to a couple of points on cheap items.
DISCOUNT_RANGE = (0.05, 0.38)
# A store's price strays this far from the product's reference price.
OFFER_SPREAD = (0.93, 1.10)
HISTORY_DAYS = 90
CATALOG_AGE_DAYS = 365
# Offers were last seen by the scrapers at most this long ago. Products are
# at least a day old, so an offer's history window is never shorter than a day
# minus this.
LAST_SEEN_MAX = timedelta(hours=12)
PRODUCT_MIN_AGE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CategoryPlan:
    slug: str
    name: str
    parent_slug: str | None


# Tuples rather than dataclasses: tens of thousands are built per seed.
class PriceState(NamedTuple):
    """What a price point records besides its times."""

    price_minor: int
    original_price_minor: int | None
    in_stock: bool


class PricePointPlan(NamedTuple):
    valid_from: datetime
    last_seen_at: datetime
    price_minor: int
    original_price_minor: int | None
    in_stock: bool


@dataclass(frozen=True, slots=True)
class OfferPlan:
    store_slug: str
    external_id: str
    url: str
    price_minor: int
    original_price_minor: int | None
    in_stock: bool
    created_at: datetime
    observed_at: datetime
    # valid_from of the history's last point, where the current price began.
    price_since: datetime
    last_seen_at: datetime
    # Change points, oldest first; the last one is the current price.
    history: tuple[PricePointPlan, ...]


@dataclass(frozen=True, slots=True)
class ProductPlan:
    slug: str
    name: str
    brand: str
    category_slug: str
    description: str
    attributes: Mapping[str, str]
    image_url: str
    rating: Decimal
    review_count: int
    created_at: datetime
    offers: tuple[OfferPlan, ...]


@dataclass(frozen=True, slots=True)
class DemoCatalog:
    stores: tuple[StoreSpec, ...]
    # Parents before children, so each row can name an already-inserted parent.
    categories: tuple[CategoryPlan, ...]
    products: tuple[ProductPlan, ...]


@dataclass(frozen=True, slots=True)
class _Leaf:
    spec: CategorySpec
    root_slug: str


# ---------------------------------------------------------------- slugs, names


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: 'Micro-ondas 31L Inox' ->
    'micro-ondas-31l-inox'. Accents are dropped, '+' and '&' spelled out."""
    spelled = text.replace("+", " plus ").replace("&", " e ")
    ascii_text = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def _truncate_slug(slug: str, limit: int) -> str:
    return slug[:limit].rstrip("-")


def unique_slug(text: str, taken: set[str]) -> str:
    """A slug of ``text`` not in ``taken`` (which it is then added to): the
    plain slug, else the first free one of slug-2, slug-3, ..."""
    base = _truncate_slug(slugify(text), SLUG_MAX_LENGTH) or "produto"
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = _truncate_slug(base, SLUG_MAX_LENGTH - len(suffix)) + suffix
        n += 1
    taken.add(slug)
    return slug


def line_choices(line: ProductLine) -> Iterator[dict[str, str]]:
    """Every combination of a line's options, one per distinct product."""
    keys = list(line.options)
    for values in itertools.product(*(line.options[key] for key in keys)):
        yield dict(zip(keys, values, strict=True))


def render_name(line: ProductLine, choice: Mapping[str, str]) -> str:
    # Optional options are empty strings; collapse the gaps they leave.
    return " ".join(line.template.format(**choice).split())


def price_position(line: ProductLine, choice: Mapping[str, str]) -> float:
    """Where a product sits in its line's price range, 0.0 (cheapest) to 1.0:
    the mean rank of its price-rising options (storage, screen size...)."""
    ranks = [
        line.options[key].index(value) / (len(line.options[key]) - 1)
        for key, value in choice.items()
        if key in PRICE_RISING_KEYS and len(line.options[key]) > 1
    ]
    return sum(ranks) / len(ranks) if ranks else 0.5


# ---------------------------------------------------------------------- prices


def charm_price(reais: float, rng: random.Random) -> int:
    """Round a price the way Brazilian shops print them, in centavos:
    R$ 49,90 under a hundred reais, else R$ 1.899,00 / 1.899,90 / 1.899,99."""
    if reais < 100:
        return max(int(reais), 0) * 100 + 90
    whole = max(round(reais / 10) * 10 - 1, 99)
    return whole * 100 + rng.choice((0, 90, 99))


def list_price_for(price_minor: int, rng: random.Random) -> int:
    """An original ("de") price that puts ``price_minor`` 5-40% off,
    rounded up to whole reais."""
    discount = rng.uniform(*DISCOUNT_RANGE)
    return math.ceil(price_minor / (1 - discount) / 100) * 100


def reference_price_reais(
    line: ProductLine, choice: Mapping[str, str], rng: random.Random
) -> float:
    """The product's typical price: mostly its place in the line, plus noise."""
    low, high = line.price_reais
    position = 0.85 * price_position(line, choice) + 0.15 * rng.random()
    return low + (high - low) * position


# ---------------------------------------------------------------------- offers


def _earlier_state(later: PriceState, list_price: int | None, rng: random.Random) -> PriceState:
    """The state before a change into ``later``: another price, and when the
    offer is out of stock now, usually in stock before."""
    in_stock = True if not later.in_stock else rng.random() >= 0.08
    factor = rng.uniform(0.90, 1.15)
    price = charm_price(later.price_minor / 100 * factor, rng)
    # A change point must change something.
    while in_stock == later.in_stock and price == later.price_minor:
        factor += 0.05
        price = charm_price(later.price_minor / 100 * factor, rng)
    original = list_price if list_price is not None and list_price > price else None
    return PriceState(price, original, in_stock)


def price_history(
    current: PriceState,
    list_price: int | None,
    start: datetime,
    last_seen_at: datetime,
    rng: random.Random,
) -> tuple[PricePointPlan, ...]:
    """A handful of change points between ``start`` and ``last_seen_at``,
    oldest first, ending in ``current``. Each point was last seen before the
    next one began; the last one was last seen at ``last_seen_at``."""
    span_seconds = int((last_seen_at - start).total_seconds())
    count = min(_draw(PRICE_CHANGE_COUNTS, rng), span_seconds + 1)
    offsets = sorted(rng.sample(range(span_seconds + 1), count))
    starts = [start + timedelta(seconds=offset) for offset in offsets]

    states = [current]
    while len(states) < count:
        states.append(_earlier_state(states[-1], list_price, rng))
    states.reverse()

    points = []
    for i, (valid_from, state) in enumerate(zip(starts, states, strict=True)):
        if i + 1 < count:
            gap = (starts[i + 1] - valid_from).total_seconds()
            seen = valid_from + timedelta(seconds=int(gap * rng.uniform(0.3, 0.95)))
        else:
            seen = last_seen_at
        points.append(
            PricePointPlan(
                valid_from, seen, state.price_minor, state.original_price_minor, state.in_stock
            )
        )
    return tuple(points)


def plan_offer(
    store: StoreSpec,
    external_id: str,
    product_slug: str,
    reference_reais: float,
    product_created_at: datetime,
    now: datetime,
    rng: random.Random,
) -> OfferPlan:
    price = charm_price(reference_reais * rng.uniform(*OFFER_SPREAD), rng)
    list_price = list_price_for(price, rng) if rng.random() < DISCOUNTED_SHARE else None
    current = PriceState(price, list_price, rng.random() < IN_STOCK_SHARE)
    last_seen_at = now - timedelta(seconds=rng.randint(0, int(LAST_SEEN_MAX.total_seconds())))
    start = max(product_created_at, now - timedelta(days=HISTORY_DAYS))
    history = price_history(current, list_price, start, last_seen_at, rng)
    return OfferPlan(
        store_slug=store.slug,
        external_id=external_id,
        url=f"{store.url}/p/{product_slug}?sku={external_id}",
        price_minor=price,
        original_price_minor=list_price,
        in_stock=current.in_stock,
        created_at=history[0].valid_from,
        observed_at=last_seen_at,
        price_since=history[-1].valid_from,
        last_seen_at=last_seen_at,
        history=history,
    )


# -------------------------------------------------------------------- catalog


def _draw(distribution: tuple[tuple[int, ...], tuple[int, ...]], rng: random.Random) -> int:
    values, cum_weights = distribution
    return rng.choices(values, cum_weights=cum_weights)[0]


def plan_categories(tree: tuple[CategorySpec, ...] = CATEGORY_TREE) -> tuple[CategoryPlan, ...]:
    """The tree flattened depth-first, so every parent precedes its children."""
    plans: list[CategoryPlan] = []

    def visit(spec: CategorySpec, parent_slug: str | None) -> None:
        plans.append(CategoryPlan(spec.slug, spec.name, parent_slug))
        for child in spec.children:
            visit(child, spec.slug)

    for root in tree:
        visit(root, None)
    return tuple(plans)


def leaf_categories(tree: tuple[CategorySpec, ...] = CATEGORY_TREE) -> list[_Leaf]:
    def leaves(spec: CategorySpec, root_slug: str) -> Iterator[_Leaf]:
        if spec.lines:
            yield _Leaf(spec, root_slug)
        for child in spec.children:
            yield from leaves(child, root_slug)

    return [leaf for root in tree for leaf in leaves(root, root.slug)]


def catalog_capacity(tree: tuple[CategorySpec, ...] = CATEGORY_TREE) -> int:
    """How many distinct products the templates can name."""
    return sum(
        math.prod(len(values) for values in line.options.values())
        for leaf in leaf_categories(tree)
        for line in leaf.spec.lines
    )


def stores_selling(root_slug: str) -> list[StoreSpec]:
    """The stores that sell products under the root category ``root_slug``."""
    return [store for store in STORES if store.sells is None or root_slug in store.sells]


class _NameSource:
    """Hands out distinct (leaf, line, options) picks: leaves by weight, lines
    evenly within a leaf, option combinations in a seeded random order."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        leaves = leaf_categories()
        # Per open leaf, its open lines and their not yet used combinations;
        # an exhausted line, then an exhausted leaf, is dropped.
        self._open: list[tuple[_Leaf, list[tuple[ProductLine, list[dict[str, str]]]]]] = []
        for leaf in leaves:
            lines = []
            for line in leaf.spec.lines:
                choices = list(line_choices(line))
                rng.shuffle(choices)
                lines.append((line, choices))
            self._open.append((leaf, lines))
        self._weights = [leaf.spec.weight for leaf, _ in self._open]

    def next(self) -> tuple[_Leaf, ProductLine, dict[str, str]] | None:
        if not self._open:
            return None
        leaf_index = self._rng.choices(range(len(self._open)), weights=self._weights)[0]
        leaf, lines = self._open[leaf_index]
        line_index = self._rng.randrange(len(lines))
        line, choices = lines[line_index]
        choice = choices.pop()
        if not choices:
            del lines[line_index]
            if not lines:
                del self._open[leaf_index]
                del self._weights[leaf_index]
        return leaf, line, choice


def _plan_product(
    leaf: _Leaf,
    line: ProductLine,
    choice: dict[str, str],
    name: str,
    slug: str,
    next_sku: Callable[[StoreSpec], str],
    now: datetime,
    rng: random.Random,
) -> ProductPlan:
    created_at = now - timedelta(
        seconds=rng.randint(int(PRODUCT_MIN_AGE.total_seconds()), CATALOG_AGE_DAYS * 24 * 3600)
    )
    reference = reference_price_reais(line, choice, rng)
    eligible = stores_selling(leaf.root_slug)
    sellers = rng.sample(eligible, min(_draw(OFFER_COUNTS, rng), len(eligible)))
    offers = tuple(
        plan_offer(store, next_sku(store), slug, reference, created_at, now, rng)
        for store in sellers
    )
    description = " ".join(
        part for part in (rng.choice(leaf.spec.blurbs), rng.choice(GENERIC_BLURBS)) if part
    )
    return ProductPlan(
        slug=slug,
        name=name,
        brand=line.brand,
        category_slug=leaf.spec.slug,
        description=description,
        attributes={key: value for key, value in choice.items() if value},
        image_url=f"{IMAGE_BASE_URL}/{slug}.jpg",
        rating=Decimal(f"{rng.triangular(3.0, 5.0, 4.5):.1f}"),
        review_count=min(int(rng.lognormvariate(4.0, 1.4)) + 1, 50_000),
        created_at=created_at,
        offers=offers,
    )


def build_catalog(products: int, seed: int, now: datetime) -> DemoCatalog:
    """The whole demo catalog for ``products`` products; the same arguments
    always give the same catalog. Raises ValueError past the templates'
    capacity (see ``catalog_capacity``)."""
    if products < 0:
        raise ValueError("products must be >= 0")
    rng = random.Random(seed)
    names = _NameSource(rng)
    taken_names: set[str] = set()
    taken_slugs: set[str] = set()
    sku_counters = {store.slug: itertools.count(1) for store in STORES}

    def next_sku(store: StoreSpec) -> str:
        return f"SKU-{store.sku_prefix}-{next(sku_counters[store.slug]):06d}"

    planned: list[ProductPlan] = []
    while len(planned) < products:
        pick = names.next()
        if pick is None:
            raise ValueError(
                f"the demo templates name only {len(planned)} distinct products, "
                f"{products} asked for"
            )
        leaf, line, choice = pick
        name = render_name(line, choice)
        if name in taken_names:
            continue
        taken_names.add(name)
        slug = unique_slug(name, taken_slugs)
        planned.append(_plan_product(leaf, line, choice, name, slug, next_sku, now, rng))

    return DemoCatalog(STORES, plan_categories(), tuple(planned))
