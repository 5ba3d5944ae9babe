import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from vitrine.type.v1 import access_pb2 as _access_pb2
from vitrine.type.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchSort(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEARCH_SORT_UNSPECIFIED: _ClassVar[SearchSort]
    SEARCH_SORT_RELEVANCE: _ClassVar[SearchSort]
    SEARCH_SORT_PRICE_ASC: _ClassVar[SearchSort]
    SEARCH_SORT_PRICE_DESC: _ClassVar[SearchSort]
    SEARCH_SORT_RATING: _ClassVar[SearchSort]
    SEARCH_SORT_NEWEST: _ClassVar[SearchSort]
    SEARCH_SORT_DISCOUNT: _ClassVar[SearchSort]
SEARCH_SORT_UNSPECIFIED: SearchSort
SEARCH_SORT_RELEVANCE: SearchSort
SEARCH_SORT_PRICE_ASC: SearchSort
SEARCH_SORT_PRICE_DESC: SearchSort
SEARCH_SORT_RATING: SearchSort
SEARCH_SORT_NEWEST: SearchSort
SEARCH_SORT_DISCOUNT: SearchSort

class SearchFilter(_message.Message):
    __slots__ = ("category_ids", "brands", "store_ids", "min_price_minor", "max_price_minor", "min_rating", "in_stock_only")
    CATEGORY_IDS_FIELD_NUMBER: _ClassVar[int]
    BRANDS_FIELD_NUMBER: _ClassVar[int]
    STORE_IDS_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    MIN_RATING_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_ONLY_FIELD_NUMBER: _ClassVar[int]
    category_ids: _containers.RepeatedScalarFieldContainer[int]
    brands: _containers.RepeatedScalarFieldContainer[str]
    store_ids: _containers.RepeatedScalarFieldContainer[int]
    min_price_minor: int
    max_price_minor: int
    min_rating: float
    in_stock_only: bool
    def __init__(self, category_ids: _Optional[_Iterable[int]] = ..., brands: _Optional[_Iterable[str]] = ..., store_ids: _Optional[_Iterable[int]] = ..., min_price_minor: _Optional[int] = ..., max_price_minor: _Optional[int] = ..., min_rating: _Optional[float] = ..., in_stock_only: _Optional[bool] = ...) -> None: ...

class FacetRequest(_message.Message):
    __slots__ = ("field", "price_edges_minor")
    class Field(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        FIELD_UNSPECIFIED: _ClassVar[FacetRequest.Field]
        FIELD_BRAND: _ClassVar[FacetRequest.Field]
        FIELD_CATEGORY: _ClassVar[FacetRequest.Field]
        FIELD_STORE: _ClassVar[FacetRequest.Field]
        FIELD_PRICE: _ClassVar[FacetRequest.Field]
    FIELD_UNSPECIFIED: FacetRequest.Field
    FIELD_BRAND: FacetRequest.Field
    FIELD_CATEGORY: FacetRequest.Field
    FIELD_STORE: FacetRequest.Field
    FIELD_PRICE: FacetRequest.Field
    FIELD_FIELD_NUMBER: _ClassVar[int]
    PRICE_EDGES_MINOR_FIELD_NUMBER: _ClassVar[int]
    field: FacetRequest.Field
    price_edges_minor: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, field: _Optional[_Union[FacetRequest.Field, str]] = ..., price_edges_minor: _Optional[_Iterable[int]] = ...) -> None: ...

class HighlightOptions(_message.Message):
    __slots__ = ("pre_tag", "post_tag", "crop_words")
    PRE_TAG_FIELD_NUMBER: _ClassVar[int]
    POST_TAG_FIELD_NUMBER: _ClassVar[int]
    CROP_WORDS_FIELD_NUMBER: _ClassVar[int]
    pre_tag: str
    post_tag: str
    crop_words: int
    def __init__(self, pre_tag: _Optional[str] = ..., post_tag: _Optional[str] = ..., crop_words: _Optional[int] = ...) -> None: ...

class SearchProductsRequest(_message.Message):
    __slots__ = ("query", "filter", "facets", "sort", "page", "page_size", "highlight")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    FACETS_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    HIGHLIGHT_FIELD_NUMBER: _ClassVar[int]
    query: str
    filter: SearchFilter
    facets: _containers.RepeatedCompositeFieldContainer[FacetRequest]
    sort: SearchSort
    page: int
    page_size: int
    highlight: HighlightOptions
    def __init__(self, query: _Optional[str] = ..., filter: _Optional[_Union[SearchFilter, _Mapping]] = ..., facets: _Optional[_Iterable[_Union[FacetRequest, _Mapping]]] = ..., sort: _Optional[_Union[SearchSort, str]] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ..., highlight: _Optional[_Union[HighlightOptions, _Mapping]] = ...) -> None: ...

class ProductSummary(_message.Message):
    __slots__ = ("id", "slug", "name", "brand", "category_id", "image_url", "rating", "review_count", "best_price", "best_store_id", "in_stock", "discount_bps")
    ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    REVIEW_COUNT_FIELD_NUMBER: _ClassVar[int]
    BEST_PRICE_FIELD_NUMBER: _ClassVar[int]
    BEST_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_BPS_FIELD_NUMBER: _ClassVar[int]
    id: int
    slug: str
    name: str
    brand: str
    category_id: int
    image_url: str
    rating: float
    review_count: int
    best_price: _money_pb2.Money
    best_store_id: int
    in_stock: bool
    discount_bps: int
    def __init__(self, id: _Optional[int] = ..., slug: _Optional[str] = ..., name: _Optional[str] = ..., brand: _Optional[str] = ..., category_id: _Optional[int] = ..., image_url: _Optional[str] = ..., rating: _Optional[float] = ..., review_count: _Optional[int] = ..., best_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., best_store_id: _Optional[int] = ..., in_stock: _Optional[bool] = ..., discount_bps: _Optional[int] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("product", "name_highlighted", "brand_highlighted", "description_snippet")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    NAME_HIGHLIGHTED_FIELD_NUMBER: _ClassVar[int]
    BRAND_HIGHLIGHTED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_SNIPPET_FIELD_NUMBER: _ClassVar[int]
    product: ProductSummary
    name_highlighted: str
    brand_highlighted: str
    description_snippet: str
    def __init__(self, product: _Optional[_Union[ProductSummary, _Mapping]] = ..., name_highlighted: _Optional[str] = ..., brand_highlighted: _Optional[str] = ..., description_snippet: _Optional[str] = ...) -> None: ...

class FacetValue(_message.Message):
    __slots__ = ("value", "label", "count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    value: str
    label: str
    count: int
    def __init__(self, value: _Optional[str] = ..., label: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class FacetDistribution(_message.Message):
    __slots__ = ("field", "values")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    field: FacetRequest.Field
    values: _containers.RepeatedCompositeFieldContainer[FacetValue]
    def __init__(self, field: _Optional[_Union[FacetRequest.Field, str]] = ..., values: _Optional[_Iterable[_Union[FacetValue, _Mapping]]] = ...) -> None: ...

class SearchProductsResponse(_message.Message):
    __slots__ = ("hits", "facets", "estimated_total_hits", "processing_time", "corrected_query", "backend", "degraded", "partial_match")
    HITS_FIELD_NUMBER: _ClassVar[int]
    FACETS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TOTAL_HITS_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_QUERY_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_MATCH_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    facets: _containers.RepeatedCompositeFieldContainer[FacetDistribution]
    estimated_total_hits: int
    processing_time: _duration_pb2.Duration
    corrected_query: str
    backend: str
    degraded: bool
    partial_match: bool
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., facets: _Optional[_Iterable[_Union[FacetDistribution, _Mapping]]] = ..., estimated_total_hits: _Optional[int] = ..., processing_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., corrected_query: _Optional[str] = ..., backend: _Optional[str] = ..., degraded: _Optional[bool] = ..., partial_match: _Optional[bool] = ...) -> None: ...

class SuggestProductsRequest(_message.Message):
    __slots__ = ("prefix", "limit", "category_ids", "highlight")
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_IDS_FIELD_NUMBER: _ClassVar[int]
    HIGHLIGHT_FIELD_NUMBER: _ClassVar[int]
    prefix: str
    limit: int
    category_ids: _containers.RepeatedScalarFieldContainer[int]
    highlight: HighlightOptions
    def __init__(self, prefix: _Optional[str] = ..., limit: _Optional[int] = ..., category_ids: _Optional[_Iterable[int]] = ..., highlight: _Optional[_Union[HighlightOptions, _Mapping]] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("text", "highlighted", "product_id")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    HIGHLIGHTED_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    text: str
    highlighted: str
    product_id: int
    def __init__(self, text: _Optional[str] = ..., highlighted: _Optional[str] = ..., product_id: _Optional[int] = ...) -> None: ...

class SuggestProductsResponse(_message.Message):
    __slots__ = ("suggestions", "backend", "degraded")
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_FIELD_NUMBER: _ClassVar[int]
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    backend: str
    degraded: bool
    def __init__(self, suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., backend: _Optional[str] = ..., degraded: _Optional[bool] = ...) -> None: ...

class SearchSettings(_message.Message):
    __slots__ = ("synonym_groups", "stop_words")
    SYNONYM_GROUPS_FIELD_NUMBER: _ClassVar[int]
    STOP_WORDS_FIELD_NUMBER: _ClassVar[int]
    synonym_groups: _containers.RepeatedCompositeFieldContainer[SynonymGroup]
    stop_words: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, synonym_groups: _Optional[_Iterable[_Union[SynonymGroup, _Mapping]]] = ..., stop_words: _Optional[_Iterable[str]] = ...) -> None: ...

class SynonymGroup(_message.Message):
    __slots__ = ("terms",)
    TERMS_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, terms: _Optional[_Iterable[str]] = ...) -> None: ...

class GetSearchSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSearchSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: SearchSettings
    def __init__(self, settings: _Optional[_Union[SearchSettings, _Mapping]] = ...) -> None: ...

class UpdateSearchSettingsRequest(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: SearchSettings
    def __init__(self, settings: _Optional[_Union[SearchSettings, _Mapping]] = ...) -> None: ...

class UpdateSearchSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: SearchSettings
    def __init__(self, settings: _Optional[_Union[SearchSettings, _Mapping]] = ...) -> None: ...
