from tests.web.test_query_budget_every_route import measure, world, grow  # noqa

def test_print(app, world):
    grow(2, world["event"], world["project"])
    c = measure(app, world)
    print({k: c[k] for k in ("events.show", "projects.show", "profiles.profile", "pages.sitemap_index", "pages.sitemap_chunk")})
