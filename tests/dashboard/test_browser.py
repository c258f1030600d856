from __future__ import annotations

import pytest

import tiaocan as tc
from tests._services import unavailable
from tests.dashboard import _browser

pytestmark = pytest.mark.browser

EVIL = "<script>alert(1)</script>"
SPACE = tc.Space(x=tc.Float(-1, 1), kind=tc.Categorical(["a", EVIL]))


@pytest.fixture()
def browser():
    reason = _browser.missing()
    if reason:
        unavailable(reason)
    with _browser.chromium() as driver:
        yield driver


def _rows(driver):
    return driver.execute_script("return document.querySelectorAll('#trials tbody tr').length")


def test_live_study_page_shows_new_trials_without_reload(browser, sqlite_url):
    study = tc.create_study("live", space=SPACE, storage=sqlite_url, seed=0)
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=3)
    with _browser.dashboard(sqlite_url) as base:
        browser.get(f"{base}/study?name=live")
        _browser.wait_for(browser, lambda d: _rows(d) == 3)
        browser.execute_script("window.__sameDocument = 42")
        study.optimize(lambda t: t.params["x"] ** 2, n_trials=2)
        _browser.wait_for(browser, lambda d: _rows(d) == 5)
        assert browser.execute_script("return window.__sameDocument") == 42  # no reload
        _browser.wait_for(browser, lambda d: d.execute_script(
            "return document.body.dataset.plotsReady === '1'"))
        counts = browser.find_element("id", "counts").text
        assert counts.startswith("5 trials")


def test_script_in_a_study_name_is_shown_as_text_and_never_runs(browser, sqlite_url):
    from selenium.common.exceptions import NoAlertPresentException

    study = tc.create_study(EVIL, space=SPACE, storage=sqlite_url, seed=0)
    study.enqueue({"x": 0.5, "kind": EVIL})
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=3)
    study.set_note(EVIL)
    with _browser.dashboard(sqlite_url) as base:
        browser.get(base + "/")
        assert browser.find_element("css selector", "#studies a").text == EVIL
        browser.find_element("css selector", "#studies a").click()
        _browser.wait_for(browser, lambda d: _rows(d) == 3)
        assert browser.find_element("id", "study-name").text == EVIL
        assert browser.find_element("id", "study-note").text == EVIL
        cells = [c.text for c in browser.find_elements("css selector", "#trials tbody td")]
        assert EVIL in cells
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018 - reading it raises when no alert is open
        browser.get(f"{base}/trial?study=%3Cscript%3Ealert(1)%3C%2Fscript%3E&number=0")
        assert EVIL in browser.find_element("id", "params").text
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018


def test_static_report_draws_its_plots_from_a_file(browser, tmp_path):
    from tiaocan.dashboard import write_report

    study = tc.create_study("offline", space=SPACE, storage=":memory:", seed=0)
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=12)
    path = write_report(study, tmp_path / "report.html")
    browser.get(path.as_uri())  # a file:// page: nothing can be fetched from a server
    _browser.wait_for(browser, lambda d: d.execute_script(
        "return document.querySelectorAll('.plot .main-svg').length") >= 3)
    assert browser.execute_script("return typeof Plotly") == "object"
