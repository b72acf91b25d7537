"""Places read the way people say them: countries by their common English name (CLDR),
regions in English where a name exists, else in natural order without attached codes."""
import pytest

from buildstory.profiles import countries


@pytest.mark.parametrize("country,region,text", [
    ("ES", "ES-MD", "Community of Madrid, Spain"),
    ("IL", "IL-TA", "Tel Aviv, Israel"),
    ("AE", "AE-DU", "Dubai, United Arab Emirates"),
    ("ES", "ES-AS", "Principado de Asturias, Spain"),      # natural order, no English name
    ("SE", "SE-O", "Västra Götalands län, Sweden"),        # no "[SE-14]"
    ("GB", "GB-LND", "City of London, United Kingdom"),
    ("GB", "GB-BCP", "Bournemouth, Christchurch and Poole, United Kingdom"),  # a list stays
    ("US", "US-VI", "U.S. Virgin Islands, United States"),
    ("CZ", None, "Czechia"),
])
def test_location_text_reads_naturally(country, region, text):
    assert countries.location_text(country, region) == text


def test_countries_go_by_their_common_english_names_sorted_by_name():
    names = {c.code: c.name for c in countries.all_countries()}
    assert names["RU"] == "Russia" and names["KR"] == "South Korea"
    assert names["TW"] == "Taiwan" and names["BO"] == "Bolivia" and names["HK"] == "Hong Kong"
    ordered = [c.name for c in countries.all_countries()]
    assert ordered.index("Åland Islands") < ordered.index("Albania")
    assert len(ordered) == 249


def test_region_pickers_show_the_same_names():
    spain = {r.code: r.name for r in countries.regions("ES")}
    assert spain["ES-MD"] == "Community of Madrid" and spain["ES-MC"] == "Región de Murcia"
    assert all("[" not in r.name for r in countries.regions("SE"))
