"""The web console at /_laminar/ in a real browser: Debian's chromium,
driven headless by Selenium through Debian's chromium-driver. Pages render,
an invoke from the page succeeds and shows its logs, live invocations
arrive, evicting from the page forces a cold start. Screenshots go to
tests/artifacts/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from introspection_testing import HANDLER, api, invoke
from laminar_testing import REPO_ROOT, create_python_function, service_client, wait_for

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SCREENSHOTS = REPO_ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver must be installed (.ci/run installs them)")
        pytest.skip("chromium and chromium-driver are not installed")
    # Selenium Manager must not try to fetch a driver: it is given.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,900", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def wait(driver, condition, timeout=20):
    return WebDriverWait(driver, timeout).until(condition)


def text_in(selector: str, text: str):
    return EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text)


def shot(driver, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def test_functions_list_and_detail_render(laminar, lambda_, browser, function_name):
    create_python_function(lambda_, function_name, HANDLER, Environment={"Variables": {"STAGE": "dev"}})
    lambda_.publish_version(FunctionName=function_name)
    browser.get(f"{laminar.url}/_laminar/")
    wait(browser, text_in("main", function_name))
    assert browser.title == "laminar console"
    wait(browser, text_in("#live", "live"))
    shot(browser, "functions")
    browser.find_element(By.LINK_TEXT, function_name).click()
    wait(browser, text_in("main h1", function_name))
    browser.find_element(By.LINK_TEXT, "Configuration").click()
    wait(browser, text_in("#tab", "STAGE"))
    assert "python3.12" in browser.find_element(By.ID, "tab").text
    shot(browser, "configuration")


def test_invoke_from_the_page_shows_the_response_and_logs(laminar, lambda_, browser, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    browser.get(f"{laminar.url}/_laminar/#/functions/{function_name}/test")
    payload = wait(browser, EC.presence_of_element_located((By.ID, "payload")))
    payload.clear()
    payload.send_keys('{"from": "the page"')
    wait(browser, text_in("#json-state", "JSON"))
    assert not browser.find_element(By.ID, "invoke").is_enabled()  # invalid JSON
    payload.send_keys("}")
    browser.find_element(By.ID, "event-name").send_keys("page-event")
    browser.find_element(By.ID, "save").click()
    wait(browser, EC.presence_of_element_located((By.XPATH, "//select[@id='saved']/option[.='page-event']")))
    browser.find_element(By.ID, "invoke").click()
    wait(browser, text_in("#result-status", "Succeeded"))
    response = json.loads(browser.find_element(By.ID, "response").text)
    assert response["echo"] == {"from": "the page"}
    logs = browser.find_element(By.ID, "logs").text
    assert f"START RequestId: {response['request']}" in logs
    assert 'handling {"from": "the page"}' in logs
    shot(browser, "invoke")
    # The invocation is in the history, opened in the drawer.
    browser.find_element(By.ID, "rid").click()
    wait(browser, text_in("#drawer-body", "REPORT RequestId"))
    shot(browser, "invocation")
    _, page = api(laminar.url, f"/invocations?function={function_name}")
    assert [i["requestId"] for i in page["invocations"]] == [response["request"]]


def test_live_invocations_and_log_tail_arrive(laminar, lambda_, browser, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    browser.get(f"{laminar.url}/_laminar/#/invocations")
    wait(browser, text_in("main", "recorded"))
    wait(browser, text_in("#live", "live"))
    time.sleep(0.5)
    rid, _ = invoke(lambda_, function_name, {"live": True})
    wait(browser, text_in("#invs", rid))
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-rid='{rid}']")
    assert "cold" in row.text and function_name in row.text
    shot(browser, "invocations")

    browser.get(f"{laminar.url}/_laminar/#/functions/{function_name}/logs")
    wait(browser, text_in("#tail", rid))
    time.sleep(0.5)
    second, _ = invoke(lambda_, function_name, {"tail": True})
    wait(browser, text_in("#tail", f"END RequestId: {second}"))
    shot(browser, "logs")


def test_evicting_from_the_page_forces_a_cold_start(laminar, lambda_, browser, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    invoke(lambda_, function_name, {})
    browser.get(f"{laminar.url}/_laminar/#/functions/{function_name}/environments")
    button = wait(browser, EC.element_to_be_clickable((By.CSS_SELECTOR, "button.evict")))
    shot(browser, "environments")
    button.click()
    wait(browser, text_in("#tab", "No warm environments"))
    rid, _ = invoke(lambda_, function_name, {})
    _, page = api(laminar.url, f"/invocations?function={function_name}&limit=1")
    assert page["invocations"][0]["requestId"] == rid and page["invocations"][0]["cold"] is True


def test_monitor_and_sources_render(laminar, lambda_, browser, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    for n in range(4):
        invoke(lambda_, function_name, {"fail": n == 3})
    browser.get(f"{laminar.url}/_laminar/#/functions/{function_name}/monitor")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "svg.chart path")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 4
    shot(browser, "monitor")
    # A Kinesis mapping whose function fails keeps its records behind it.
    failing = f"{function_name}-stream"
    create_python_function(lambda_, failing, "def handler(event, context):\n    raise ValueError('no')\n")
    kinesis = service_client("kinesis", laminar.url)
    kinesis.create_stream(StreamName=failing, ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName=failing)["StreamDescriptionSummary"]["StreamARN"]
    for n in range(2):
        kinesis.put_record(StreamName=failing, Data=b"{}", PartitionKey=str(n))
    lambda_.create_event_source_mapping(
        FunctionName=failing, EventSourceArn=arn, StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=-1
    )
    wait_for(lambda: api(laminar.url, f"/invocations?function={failing}&limit=1")[1]["invocations"], what="a batch")
    # An Event invoke that fails with no retries left is dropped.
    lambda_.put_function_event_invoke_config(FunctionName=function_name, MaximumRetryAttempts=0)
    lambda_.invoke(FunctionName=function_name, InvocationType="Event", Payload=b'{"fail": true}')
    wait_for(lambda: api(laminar.url, "/sources")[1]["FailedAsyncEvents"], what="the failed event")
    browser.get(f"{laminar.url}/_laminar/#/sources")
    wait(browser, text_in("main", "Event source mappings"))
    wait(browser, text_in("main", "2 records behind · iterator age"))
    wait(browser, text_in("main", "ValueError: asked to fail"))
    assert "RetriesExhausted" in browser.find_element(By.CSS_SELECTOR, "main").text
    shot(browser, "sources")
