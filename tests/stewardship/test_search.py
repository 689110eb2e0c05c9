"""Search: case- and accent-insensitive, typo-tolerant, ranked and paged, by key or by name, with
what tells look-alikes apart — on PostgreSQL's trigram index and on the Python path SQLite takes."""

import pytest
from django.urls import reverse

from mdm.models import Customer
from mdm.services.ingest import source_records_ingest
from stewardship import search
from tests.conftest import record

SEARCH = reverse("stewardship:search")


# --- pure: folding and ranking ---------------------------------------------------------------------

def test_folding_ignores_case_accents_ligatures_and_spacing():
    assert search.fold("ZÖRG  Health") == search.fold("zorg health") == "zorg health"
    assert search.fold("Société Générale") == "societe generale"
    assert search.fold("Straße Ørsted Æble") == "strasse orsted aeble"


def test_ranking_puts_the_closest_name_first_and_drops_strangers():
    names = {"a": "Zorg Health SARL", "b": "ZORG HEALTH AG", "c": "Blue Sun Health N.V.", "d": "Wayne Foods"}
    ranked = search.names_ranked("Zorg Health", names)
    assert [key for key, _, _ in ranked[:2]] == ["b", "a"]  # both contain it; the shorter name is closer
    assert "d" not in {key for key, _, _ in ranked}
    scores = {key: score for key, score, _closeness in search.names_ranked("Zorg Helth", names)}
    assert search.similarity_words(scores["b"], same=False) == "very similar"  # a typo


def test_a_score_reads_as_words():
    assert search.similarity_words(100, same=True) == "same name"
    assert search.similarity_words(90, same=False) == "very similar"
    assert search.similarity_words(70, same=False) == "similar"


# --- through the page ---------------------------------------------------------------------------------

@pytest.fixture
def look_alikes(world):
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("C-9", "customer", name="ZORG HEALTH AG", country="DE", city="Köln", tax_id="DE999999990"),
        record("C-10", "customer", name="Zorg Health SARL", country="FR", city="Lyon")])
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001S", name="Blue Sun Health N.V.", country="NL", city="Utrecht")])
    return {c.name: c for c in Customer.objects.filter(name__in=["ZORG HEALTH AG", "Zorg Health SARL",
                                                                 "Blue Sun Health N.V."])}


def found(client, q, **params):
    return [h.record.name for h in client.get(SEARCH, {"q": q, **params}).context["hits"]]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["Zorg Health", "zorg health", "ZÖRG HEALTH", "Zorg Helth", "zorg"])
def test_names_are_found_whatever_their_case_accents_or_typos(look_alikes, as_user, query):
    names = found(as_user("steward_customers"), query)
    assert set(names[:2]) == {"ZORG HEALTH AG", "Zorg Health SARL"}


@pytest.mark.django_db
def test_results_carry_country_city_tax_id_and_systems(look_alikes, as_user):
    response = as_user("steward_customers").get(SEARCH, {"q": "Zorg Health"})
    html = response.content.decode()
    assert "Köln" in html and "Lyon" in html and "999999990" in html and "netsuite:C-9" in html
    hit = response.context["hits"][0]
    assert hit.why.startswith("name ")  # found by its name, and how similar


@pytest.mark.django_db
def test_a_golden_id_is_found_as_a_golden_id(world, as_user):
    hits = as_user("steward_customers").get(SEARCH, {"q": world.acme.id.lower()}).context["hits"]
    assert [(h.record.id, h.why) for h in hits] == [(world.acme.id, "golden id")]


@pytest.mark.django_db
def test_results_are_paged(world, as_user):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"00H{i:02d}", name=f"Harbour Logistics {i:02d} GmbH", country="DE") for i in range(30)])
    client = as_user("steward_customers")
    first = client.get(SEARCH, {"q": "Harbour Logistics"}).context
    second = client.get(SEARCH, {"q": "Harbour Logistics", "page": 2}).context
    assert len(first["hits"]) == 25 and first["result"].has_next and len(second["hits"]) == 5
    assert not {h.record.id for h in first["hits"]} & {h.record.id for h in second["hits"]}


@pytest.mark.django_db
def test_the_merge_picker_offers_the_look_alikes_with_what_tells_them_apart(look_alikes, as_user):
    response = as_user("steward_customers").get(SEARCH, {"q": "Zorg Health", "picker": "1", "domain": "customer",
                                                         "exclude": look_alikes["ZORG HEALTH AG"].id},
                                                HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert [h.record.name for h in response.context["hits"]] == ["Zorg Health SARL"]
    assert "Lyon" in html and "FR" in html


@pytest.mark.django_db
def test_nothing_out_of_scope_is_found(look_alikes, as_user, world):
    assert "Umbrella Ltd" not in found(as_user("steward_customers"), "Umbrella")
    assert found(as_user("steward_projects"), "Zorg Health") == []
    assert found(as_user("council"), "Umbrella")[:2] != []


@pytest.mark.django_db
def test_the_python_path_sqlite_takes_ranks_the_same_way(look_alikes, as_user, monkeypatch):
    monkeypatch.setattr(search, "trigram_search_available", lambda: False)
    names = found(as_user("steward_customers"), "zorg helth")
    assert set(names[:2]) == {"ZORG HEALTH AG", "Zorg Health SARL"}
    assert "Blue Sun Health N.V." not in names[:2]
