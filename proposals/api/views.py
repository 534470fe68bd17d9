"""The API's endpoints. Each answers in a fixed number of SQL queries, whatever the number of
rows (tests/test_api.py counts them), with the same helpers as the pages it mirrors."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils.http import urlencode
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from .. import as_of
from ..changes import LIMIT, MAX_LIMIT, cached_changes
from ..filters import ProposalFilter, clean_query
from ..models import Actor, ActorKind, Citation, Commitment, PreconditionStatus, Proposal
from ..views.browse import SEARCH_FIELDS, with_row_details
from ..views.detail import backers_of, citations_of, relations_of, with_details
from . import serializers as api

AS_OF = OpenApiParameter(
    as_of.PARAM,
    OpenApiTypes.DATE,
    description="The picture as known on that day (YYYY-MM-DD): statuses, positions, "
    "commitments and precondition statuses from their dated changes, and only what had been "
    "reported by then. Today or later: today's picture.",
)


ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="A parameter's value is not one the API knows: each such parameter with "
        "what is wrong with it.",
    ),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such record or page (`detail`)."),
    429: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Too many requests from this address: try again after Retry-After seconds.",
    ),
}


def day_asked(request: Request) -> dt.date | None:
    """The as_of day, or a 400 that says what a date looks like."""
    day, problem = as_of.parse(request.query_params)
    if problem:
        raise ValidationError({as_of.PARAM: ["Give a date like 2025-03-10 (YYYY-MM-DD)."]})
    return day


class Pages(PageNumberPagination):
    """?page= (as on /proposals/) and ?page_size= up to 100."""

    page_size = settings.PROPOSALS_PER_PAGE
    page_size_query_param = "page_size"
    max_page_size = 100


class ProposalFilterBackend(filters.DjangoFilterBackend):
    """django-filter's DRF backend on the very filter class of /proposals/, so the two can never
    drift: the same parameters, values and meaning (as of a day, the statuses then). Empty
    parameters are no filter, as on the page; an unknown value is a 400 that names it."""

    def get_filterset_kwargs(self, request, queryset, view) -> dict:
        return {
            "data": QueryDict(clean_query(request.query_params)),
            "queryset": queryset,
            "request": request,
            "day": view.day,
        }


@extend_schema(
    parameters=[AS_OF], responses={200: api.ProposalSummarySerializer(many=True)} | ERRORS
)
class ProposalList(generics.ListAPIView):
    """The published proposals, filtered and sorted as /proposals/ is, a page at a time."""

    serializer_class = api.ProposalSummarySerializer
    filter_backends = [ProposalFilterBackend]
    filterset_class = ProposalFilter
    pagination_class = Pages

    def get_queryset(self) -> QuerySet[Proposal]:
        self.day = day_asked(self.request)
        proposals = Proposal.objects.published()
        if self.day is not None:
            proposals = as_of.proposals_on(proposals, self.day)
        return proposals

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset()).defer(*SEARCH_FIELDS)
        page = with_row_details(self.paginate_queryset(queryset), self.day)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def proposal_record(slug: str, day: dt.date | None) -> Proposal:
    """A published proposal with everything recorded on it, as known on `day`, each record
    with the citations that support it: one query per kind of record."""
    published = Proposal.objects.published()
    proposal = with_details(published, day).filter(slug=slug).first()
    if proposal is None:
        if day is not None and published.filter(slug=slug).exists():
            raise NotFound(f"This proposal had not been reported by {day.isoformat()}.")
        raise NotFound("No published proposal has this slug.")
    proposal.as_of = day
    positions = list(proposal.positions.all())
    if day is not None:
        proposal.status = proposal.status_then
        proposal.backers = backers_of(positions)
    else:
        proposal.backers = list(proposal.proponents.all())
    proposal.layers_shown = list(proposal.layers.all())
    proposal.preconditions_shown = list(proposal.preconditions.all())
    for precondition in proposal.preconditions_shown:
        if day is not None:
            precondition.status = precondition.status_then
    proposal.preconditions_total = len(proposal.preconditions_shown)
    proposal.preconditions_met = sum(
        p.status == PreconditionStatus.MET for p in proposal.preconditions_shown
    )
    proposal.commitments_shown = list(
        as_of.commitments_on(Commitment.objects.filter(layer__proposal=proposal), day)
        .select_related("actor", "layer__kind")
        .order_by("-stated_on", "-pk")
    )
    proposal.relations_shown = [item["relation"] for item in relations_of(proposal, drafts=False)]
    by_pk = {p.pk: p for p in proposal.preconditions_shown}
    proposal.status_changes_shown = list(proposal.status_changes.all())
    for change in proposal.status_changes_shown:
        if change.precondition_id:
            change.precondition = by_pk[change.precondition_id]
    shown = {
        "proposal": [proposal],
        "layer": proposal.layers_shown,
        "precondition": proposal.preconditions_shown,
        "position": positions,
        "commitment": proposal.commitments_shown,
        "status_change": proposal.status_changes_shown,
        "event": list(proposal.events.all()),
        "relation": proposal.relations_shown,
    }
    by_target, _ = citations_of(shown, day)
    for claim, records in shown.items():
        for record in records:
            record.cited = by_target[claim, record.pk]
    proposal.positions_shown, proposal.events_shown = positions, shown["event"]
    return proposal


class ProposalDetailSerializer(api.ProposalSerializer):
    """The proposal as proposal_record() loaded it."""

    layers = api.LayerSerializer(many=True, source="layers_shown")
    preconditions = api.PreconditionSerializer(many=True, source="preconditions_shown")
    positions = api.PositionSerializer(many=True, source="positions_shown")
    commitments = api.CommitmentSerializer(many=True, source="commitments_shown")
    status_changes = api.StatusChangeSerializer(many=True, source="status_changes_shown")
    relations = api.RelationSerializer(many=True, source="relations_shown")
    events = api.EventSerializer(many=True, source="events_shown")

    class Meta:
        ref_name = "Proposal"


@extend_schema(parameters=[AS_OF], responses={200: ProposalDetailSerializer} | ERRORS)
class ProposalDetail(APIView):
    """One published proposal: its layers, preconditions, positions, commitments, status
    changes, relations and events, each with the citations that support it and their sources."""

    def get(self, request: Request, slug: str) -> Response:
        proposal = proposal_record(slug, day_asked(request))
        return Response(ProposalDetailSerializer(proposal, context={"request": request}).data)


class ActorFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ActorKind.choices, help_text="Only actors of this kind.")

    class Meta:
        model = Actor
        fields = ["kind"]


@extend_schema(responses={200: api.ActorSerializer(many=True)} | ERRORS)
class ActorList(generics.ListAPIView):
    """Every actor: states, organisations, coalitions and people, by name."""

    serializer_class = api.ActorSerializer
    queryset = Actor.objects.order_by("name", "pk")
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ActorFilter
    pagination_class = Pages


ACTOR_RECORDS_PER_PAGE = 50


def page_of(request: Request, records: QuerySet, param: str) -> dict:
    """One page of an actor's positions or commitments, with the link to the next."""
    paginator = Paginator(records, ACTOR_RECORDS_PER_PAGE)
    try:
        page = paginator.page(request.query_params.get(param, 1))
    except (PageNotAnInteger, EmptyPage) as error:
        raise NotFound({param: str(error)}) from error
    after = None
    if page.has_next():
        params = request.query_params.copy()
        params[param] = page.next_page_number()
        after = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return {"count": paginator.count, "next": after, "results": list(page.object_list)}


@extend_schema(
    parameters=[
        AS_OF,
        OpenApiParameter("positions_page", OpenApiTypes.INT, description="Page of positions."),
        OpenApiParameter("commitments_page", OpenApiTypes.INT, description="Page of commitments."),
    ],
    responses={200: api.ActorDetailSerializer} | ERRORS,
)
class ActorDetail(APIView):
    """One actor, with its stated positions and its commitments on published proposals,
    newest first, 50 a page each."""

    def get(self, request: Request, slug: str) -> Response:
        actor = get_object_or_404(Actor, slug=slug)
        day = day_asked(request)
        positions, commitments = as_of.records_of(actor, day, public=True)
        citations = Prefetch("citations", queryset=Citation.objects.select_related("source"))
        positions = (
            as_of.positions_on(positions, day)
            .select_related("proposal", "actor")
            .prefetch_related(citations)
            .order_by("-stated_on", "-pk")
        )
        commitments = (
            as_of.commitments_on(commitments, day)
            .select_related("actor", "layer__kind", "layer__proposal")
            .prefetch_related(citations)
            .order_by("-stated_on", "-pk")
        )
        actor.as_of = day
        actor.positions_page = page_of(request, positions, "positions_page")
        actor.commitments_page = page_of(request, commitments, "commitments_page")
        for record in actor.positions_page["results"] + actor.commitments_page["results"]:
            record.cited = [c for c in record.citations.all() if as_of.known_by(c, day)]
        return Response(ActorDetailResponse(actor, context={"request": request}).data)


class ActorDetailResponse(api.ActorDetailSerializer):
    positions = api.ActorPositionsSerializer(source="positions_page")
    commitments = api.ActorCommitmentsSerializer(source="commitments_page")

    class Meta:
        ref_name = "ActorDetail"


class ChangesQuery(serializers.Serializer):
    before = serializers.DateTimeField(
        required=False, help_text="Only changes before this moment (the `next` link sets it)."
    )
    since = serializers.DateTimeField(
        required=False, help_text="Only changes after this moment (e.g. a release's date)."
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=LIMIT
    )


@extend_schema(parameters=[ChangesQuery], responses={200: api.ChangePageSerializer} | ERRORS)
class ChangeList(APIView):
    """What changed in the published proposals, newest first: each change with its proposal,
    the record, the fields with their old and new values, when, and its entry on the history
    page. Drafts, and what was changed while a proposal was a draft, never appear."""

    def get(self, request: Request) -> Response:
        query = ChangesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        log = cached_changes(
            limit=limit,
            before=query.validated_data.get("before"),
            since=query.validated_data.get("since"),
        )
        after = None
        if log.next_before is not None:
            params = {"before": log.next_before.isoformat(), "limit": limit}
            if since := request.query_params.get("since"):
                params["since"] = since
            after = request.build_absolute_uri(f"{request.path}?{urlencode(params)}")
        return Response(
            api.ChangePageSerializer(
                {"next": after, "results": log.changes}, context={"request": request}
            ).data
        )


class Root(APIView):
    """Where everything is: the endpoints, the schema, the docs and the feeds."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        def url(name: str) -> str:
            return reverse(name, request=request)

        return Response(
            {
                "proposals": url("api-proposals"),
                "actors": url("api-actors"),
                "changes": url("api-changes"),
                "schema": url("api-schema"),
                "docs": url("api-docs"),
                "feed": url("feed-changes"),
                "data": url("data"),
                "about": url("about"),
            }
        )


class NotFoundView(APIView):
    """Any other address under /api/: a JSON 404, not the site's HTML page."""

    @extend_schema(exclude=True)
    def get(self, request: Request, rest: str = "") -> Response:
        raise NotFound("There is no such API address; /api/ lists them.")
