"""The SVG charts: geometry, accessibility and the empty state."""
from datetime import date, timedelta

from flask import render_template_string

from buildstory.admin import charts

MACRO = '{% from "_ui.html" import svg_chart %}{{ svg_chart(chart, "c") }}'


def days(values):
    start = date(2025, 3, 1)
    return [(start + timedelta(days=i), v) for i, v in enumerate(values)]


def test_nice_axis_maximum():
    assert [charts.nice_max(v) for v in (0, 1, 2, 3, 7, 12, 51, 480)] == [1, 1, 2, 5, 10, 20, 100, 500]


def test_columns_scale_to_the_largest_day_and_label_the_edges():
    chart = charts.day_columns(days([0] * 28 + [5, 10]), title="T", empty_text="none")
    bars = [s for s in chart.shapes if s.kind == "rect"]
    assert len(bars) == 2 and bars[1].attrs["height"] == 2 * bars[0].attrs["height"]
    labels = [s for s in chart.shapes if s.cls == "chart-label"]
    assert labels[0].text == "1 Mar" and labels[0].attrs["text-anchor"] == "start"
    assert labels[-1].text == "30 Mar" and labels[-1].attrs["text-anchor"] == "end"
    assert not chart.empty and chart.desc == "15 in total over 30 days, at most 10 on one day."


def test_empty_charts_say_so(app):
    columns = charts.day_columns(days([0] * 30), title="Sign-ups", empty_text="No sign-ups yet")
    bars = charts.horizontal_bars([], title="Countries", empty_text="No countries yet",
                                  label_header="Country", value_header="Builders")
    with app.test_request_context():
        html = render_template_string(MACRO, chart=columns) + render_template_string(MACRO, chart=bars)
    assert "No sign-ups yet" in html and "No countries yet" in html
    assert "chart-bar" not in html and "No data yet" in html


def test_markup_is_accessible_and_free_of_inline_styles(app):
    chart = charts.horizontal_bars([("Germany", 3), ("<script>", 1)], title="Builders",
                                   empty_text="-", label_header="Country", value_header="Builders")
    with app.test_request_context():
        html = render_template_string(MACRO, chart=chart)
    assert 'role="img"' in html and 'aria-labelledby="c-title c-desc"' in html
    assert '<title id="c-title">Builders</title>' in html and '<desc id="c-desc">' in html
    assert '<table class="visually-hidden">' in html
    assert '<th scope="row">Germany</th><td>3</td>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "style=" not in html
