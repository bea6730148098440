"""Measures the console's load time with many functions and a long history.

Starts laminar (LAMINAR_BIN, default target/debug/laminar) on a fresh data
directory, creates FUNCTIONS functions through boto3, writes INVOCATIONS
history rows straight into the database while laminar is stopped (as many
invocations would have left them), restarts it, then loads each console page
in headless chromium and prints how long it took until the page showed its
data, and how long the API calls behind it took.

    .venv/bin/python tools/measure_console.py [FUNCTIONS] [INVOCATIONS]
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
from laminar_testing import Laminar, make_zip, ROLE  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def seed_history(db: Path, names: list[str], count: int) -> None:
    conn = sqlite3.connect(db)
    now = int(time.time() * 1000)
    rows = []
    for n in range(count):
        name = names[n % len(names)]
        rows.append((now - (count - n) * 10, f"seed-{n:06d}", "000000000000", "us-east-1", name, None,
                     "$LATEST", int(n % 50 == 0), 120.0 if n % 50 == 0 else None, 1.5, 2, 128, 40,
                     "Error" if n % 20 == 0 else "Success", "ValueError" if n % 20 == 0 else None,
                     12, '{"n": 1}', 20, '{"ok": true}', f"START RequestId: seed-{n:06d}\nREPORT\n",
                     f"/aws/lambda/{name}", "2026/12/01/[$LATEST]seed"))
    conn.executemany(
        "INSERT INTO history_invocations (time_ms, request_id, account, region, function, qualifier,"
        " version, cold, init_duration_ms, duration_ms, billed_duration_ms, memory_mb,"
        " max_memory_used_mb, status, error_type, event_size, event, response_size, response, logs,"
        " log_group, log_stream) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.commit()
    conn.close()


def timed_get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        r.read()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    functions = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    invocations = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    data = Path(tempfile.mkdtemp(prefix="laminar-console-"))
    args = ["--history", str(invocations), "--pending-ms", "0"]
    server = Laminar(data_dir=data, extra_args=args).start()
    client = server.client()
    package = make_zip({"app.py": "def handler(e, c):\n    return e\n"})
    names = [f"fn-{n:04d}" for n in range(functions)]
    for name in names:
        client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                               Handler="app.handler", Code={"ZipFile": package})
    server.stop()
    seed_history(data / "laminar.db", names, invocations)
    server = Laminar(data_dir=data, extra_args=args).start()
    base = f"{server.url}/_laminar"
    print(f"{functions} functions, {invocations} invocations recorded")
    for path in ["/api/functions", "/api/invocations?limit=50", f"/api/invocations?function={names[7]}&limit=50",
                 f"/api/functions/{names[7]}", f"/api/functions/{names[7]}/metrics", "/api/environments", "/api/sources"]:
        best = min(timed_get(base + path) for _ in range(5))
        print(f"  GET {path}: {best:.1f} ms (best of 5)")

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,900"):
        options.add_argument(flag)
    os.environ["SE_OFFLINE"] = "true"
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")), options=options)
    pages = [("#/functions", "#fnlist tbody tr"), ("#/invocations", "#invs tbody tr"),
             (f"#/functions/{names[7]}/invocations", "#invs tbody tr"), (f"#/functions/{names[7]}/configuration", "dl.kv")]
    driver.get(base + "/")  # warm the browser's process once
    WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#fnlist tbody tr")))
    for fragment, ready in pages:
        times = []
        for _ in range(3):
            driver.get("about:blank")
            start = time.perf_counter()
            driver.get(f"{base}/{fragment}")
            WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, ready)))
            times.append((time.perf_counter() - start) * 1000)
        print(f"  page {fragment}: {min(times):.0f} ms to its data (best of 3; all: {[round(t) for t in times]})")
    driver.quit()
    server.stop()
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
