"""The web dashboard (issue #16) in a real headless browser against a real
``orchestrator serve`` process with tokens on: Debian's Chromium and
chromedriver through Selenium (nothing downloaded; scripts/_chromium.sh
installs them). An admin logs in through the page's form; a viewer does too,
through a proxy that can cut the event stream. Every wait is a
WebDriverWait on a condition; after each test the browser's console must
hold no error (a fixture's teardown reads its log).

The page reports what it drew: ``window.__dashboard.map.drawn`` holds, per
node, the flags and the number of tasks its tile was last drawn with.
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Iterator

import pytest
import requests
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from scripts.benchmarks.dashboard import browser, console_errors
from tests.e2e.processes import ServerProcess

pytestmark = pytest.mark.timeout(90)

ADMIN = "admin-" + secrets.token_hex(12)
VIEWER = "viewer-" + secrets.token_hex(12)
NODES = {  # id -> (zone, cpu cores, gpus)
    "n-a1": ("a", 4, 0), "n-a2": ("a", 4, 0),
    "n-b1": ("b", 4, 0), "n-b2": ("b", 8, 0),
    "n-c1": ("c", 4, 0), "g-c2": ("c", 8, 2),
}
WAIT = 10  # seconds, for anything but the 2 s of a failed node


class Api:
    """The native API as the admin, with a Bearer token."""

    def __init__(self, url: str, token: str = ADMIN) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, body=None) -> requests.Response:
        return self.http.request(method, self.url + path, json=body, timeout=10)

    def ok(self, method: str, path: str, body=None) -> dict | list | None:
        response = self(method, path, body)
        assert response.status_code in (200, 201, 204), (method, path, response.status_code, response.text)
        return response.json() if response.content else None


class CuttableProxy:
    """A TCP proxy in front of the server: ``cut()`` drops every open
    connection, ``refusing`` closes new ones at once, and the head of every
    event-stream request that went through is kept (to read Last-Event-ID)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.refusing = threading.Event()
        self.lock = threading.Lock()
        self.open: list[tuple[socket.socket, socket.socket]] = []
        self.stream_requests: list[dict[str, str]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.open.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, requests_side: bool) -> None:
        try:
            while data := source.recv(65536):
                if requests_side and data.startswith(b"GET /events?watch=true"):
                    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
                    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
                    with self.lock:
                        self.stream_requests.append({"target": head[0], **headers})
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source, target)

    def cut(self) -> None:
        with self.lock:
            for pair in self.open:
                _close(*pair)
            self.open.clear()

    def close(self) -> None:
        self.listener.close()
        self.cut()


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


# ----- fixtures -----


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    tokens = tmp_path_factory.mktemp("dashboard") / "tokens"
    tokens.write_text(f"{ADMIN} admin\n{VIEWER} viewer\n")
    with ServerProcess("--token-file", str(tokens)) as process:
        yield process


@pytest.fixture(scope="module")
def api(server) -> Api:
    api = Api(server.url)
    for node_id, (zone, cores, gpus) in NODES.items():
        body = {"id": node_id, "capacity": {"cpu": cores * 1000, "memory": "16Gi"}, "labels": {"zone": zone}}
        if gpus:
            body["capacity"]["gpu"] = gpus
            body["labels"]["nvidia.com/gpu.product"] = "Tesla-T4"
        api.ok("POST", "/nodes", body)
    api.ok("POST", "/tasks", [{"id": f"web-{i}", "resources": {"cpu": "500m", "memory": "256Mi"}} for i in range(4)])
    api.ok("POST", "/deployments", {"id": "api", "replicas": 2, "template": {"resources": {"cpu": "100m"}}})
    return api


def login(driver: WebDriver, url: str, token: str) -> None:
    """Through the page's form, as a person would."""
    driver.get(f"{url}/ui")
    field = WebDriverWait(driver, WAIT).until(lambda d: (f := d.find_element(By.ID, "token")).is_displayed() and f)
    field.send_keys(token, Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(
        "const s = window.__dashboardStats && window.__dashboardStats.snapshot();"
        "return !!s && s.firstPaintMs !== null && s.tasksLoadedMs !== null && s.stream === 'live';"))


@pytest.fixture(scope="module")
def admin_browser(server, api) -> Iterator[WebDriver]:
    driver = browser()
    try:
        login(driver, server.url, ADMIN)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def viewer_setup(server, api) -> Iterator[tuple[WebDriver, CuttableProxy]]:
    proxy = CuttableProxy(int(server.url.rsplit(":", 1)[1]))
    driver = browser()
    try:
        login(driver, proxy.url, VIEWER)
        yield driver, proxy
    finally:
        driver.quit()
        proxy.close()


@pytest.fixture
def admin(admin_browser) -> Iterator[WebDriver]:
    yield admin_browser
    close_panel(admin_browser)
    assert console_errors(admin_browser) == []


@pytest.fixture
def viewer(viewer_setup) -> Iterator[tuple[WebDriver, CuttableProxy]]:
    yield viewer_setup
    close_panel(viewer_setup[0])
    assert console_errors(viewer_setup[0]) == []


# ----- helpers -----


def js(driver: WebDriver, script: str, *args):
    return driver.execute_script(script, *args)


def until(driver: WebDriver, condition, timeout: float = WAIT, message: str = ""):
    """Poll ``condition`` (a panel may be drawn again between two looks at it)."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                         ).until(condition, message)


def drawn(driver: WebDriver, node_id: str) -> dict | None:
    return js(driver, "return window.__dashboard.map.drawn.get(arguments[0]) || null;", node_id)


def tile(driver: WebDriver, node_id: str) -> ActionChains:
    """The pointer over a node's tile."""
    canvas = driver.find_element(By.ID, "map")
    centre = js(driver, "return window.__dashboard.map.centre(arguments[0]);", node_id)
    size = canvas.size
    return ActionChains(driver).move_to_element_with_offset(
        canvas, int(centre["x"] - size["width"] / 2), int(centre["y"] - size["height"] / 2))


def open_node(driver: WebDriver, node_id: str) -> None:
    tile(driver, node_id).click().perform()
    until(driver, lambda d: panel_title(d) == f"Node {node_id}" and d.find_elements(By.CSS_SELECTOR, "#panel [data-action]"))


def open_task(driver: WebDriver, task_id: str) -> None:
    """Through the map's Find box (the panel covers it: close that first)."""
    close_panel(driver)
    find = driver.find_element(By.ID, "find")
    find.clear()
    find.send_keys(task_id, Keys.ENTER)
    until(driver, lambda d: panel_title(d) == f"Task {task_id}" and d.find_elements(By.CSS_SELECTOR, "#panel .placement"))


def panel_title(driver: WebDriver) -> str:
    panel = driver.find_element(By.ID, "panel")
    return panel.find_element(By.ID, "panel-title").text if panel.is_displayed() else ""


def close_panel(driver: WebDriver) -> None:
    if driver.find_element(By.ID, "panel").is_displayed():
        driver.find_element(By.ID, "panel-close").click()


def node_action(driver: WebDriver, action: str):
    return driver.find_element(By.CSS_SELECTOR, f"#panel [data-action='{action}']")


def click(driver: WebDriver, selector: str) -> None:
    """Click once it is there and enabled (the panel is drawn again when its object changes)."""
    until(driver, lambda d: (button := d.find_element(By.CSS_SELECTOR, selector)).is_enabled() and (button.click() or True))


# ----- tests -----


def test_login_then_the_map_shows_every_node_grouped_by_zone(admin, server):
    assert "token" not in admin.current_url and ADMIN not in admin.current_url
    assert js(admin, "return [localStorage.length, sessionStorage.length, document.cookie];") == [0, 0, ""]  # HttpOnly
    assert admin.find_element(By.ID, "who").text == "Logged in as admin"
    until(admin, lambda d: all(drawn(d, n) is not None for n in NODES))
    assert js(admin, "return window.__dashboard.map.drawn.size;") == len(NODES)
    assert admin.find_element(By.ID, "map").get_attribute("data-nodes") == str(len(NODES))
    groups = js(admin, "return window.__dashboard.map.groups.map(g => [g.value, g.ids]);")
    assert groups == [["a", ["n-a1", "n-a2"]], ["b", ["n-b1", "n-b2"]], ["c", ["g-c2", "n-c1"]]]
    tile(admin, "g-c2").perform()  # hover
    tooltip = admin.find_element(By.ID, "tooltip")
    until(admin, lambda d: tooltip.is_displayed() and tooltip.text.startswith("g-c2"))
    assert "/8 cpu" in tooltip.text and "/16 GiB memory" in tooltip.text and "/2 gpu" in tooltip.text
    assert "healthy · schedulable · simulated" in tooltip.text


def test_a_new_task_appears_on_its_node_and_in_the_feed(admin, api):
    api.ok("POST", "/tasks", {"id": "fresh", "resources": {"cpu": "250m", "memory": "64Mi"}})
    until(admin, lambda d: js(d, "return window.__dashboard.store.tasks.get('fresh')?.status;") == "running")
    node = api.ok("GET", "/tasks/fresh")["node"]
    assert js(admin, "return window.__dashboard.store.tasks.get('fresh').node;") == node
    until(admin, lambda d: drawn(d, node)["tasks"] == js(d, "return window.__dashboard.store.tasksOn(arguments[0]).size;", node))
    reasons = until(admin, lambda d: [row.find_element(By.CLASS_NAME, "reason").text for row in
                                      d.find_elements(By.CSS_SELECTOR, "#event-list li")
                                      if row.find_element(By.CLASS_NAME, "object").text == "fresh"] or None)
    assert {"Created", "Scheduled", "Started"} <= set(reasons)
    kind, reason = (Select(admin.find_element(By.ID, i)) for i in ("event-kind", "event-reason"))
    name = admin.find_element(By.ID, "event-object")
    name.send_keys("fres")
    kind.select_by_value("task")
    reason.select_by_value("Scheduled")
    assert rows(admin, "#event-list li", ".object, .reason") == [["fresh", "Scheduled"]]
    kind.select_by_value("")
    reason.select_by_value("")
    name.send_keys(*[Keys.BACKSPACE] * 4)
    until(admin, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#event-list li")) > 1)


def pending_reasons(driver: WebDriver) -> dict[str, list[str]]:
    """The Unscheduled list: task -> its reasons as shown (the list is drawn anew as tasks change)."""
    return js(driver, "return Object.fromEntries([...document.querySelectorAll('#pending-list li')].map(li => "
                      "[li.querySelector('button').textContent, [...li.querySelectorAll('.chip')].map(c => c.textContent)]));")


def test_a_pending_task_shows_its_reasons_most_common_first(admin, api):
    api.ok("PUT", "/nodes/n-b1", {"schedulable": False})
    try:
        api.ok("POST", "/tasks", {"id": "huge", "resources": {"cpu": 64_000}})
        until(admin, lambda d: pending_reasons(d).get("huge") == ["5 Insufficient cpu", "1 node(s) were unschedulable"])
        rows = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
                for row in admin.find_elements(By.CSS_SELECTOR, "#pending-summary tr")]
        assert rows[0][0] == "Insufficient cpu" and ["node(s) were unschedulable", "1", "1"] in rows
    finally:
        api.ok("PUT", "/nodes/n-b1", {"schedulable": True})
        api.ok("DELETE", "/tasks/huge")


def test_a_failed_node_is_marked_within_two_seconds(admin, api):
    api.ok("PUT", "/nodes/n-a2", {"healthy": False})
    until(admin, lambda d: "unhealthy" in drawn(d, "n-a2")["flags"], timeout=2, message="not marked within 2 s")
    tile(admin, "n-a2").perform()
    until(admin, lambda d: "UNHEALTHY" in d.find_element(By.ID, "tooltip").text)
    api.ok("PUT", "/nodes/n-a2", {"healthy": True})
    until(admin, lambda d: drawn(d, "n-a2")["flags"] == "", timeout=2)


def test_the_task_panel_explains_the_placement(admin, api):
    api.ok("PUT", "/nodes/n-c1", {"schedulable": False})
    api.ok("PUT", "/nodes/n-b2", {"healthy": False})
    try:
        api.ok("POST", "/tasks", {"id": "wide", "resources": {"cpu": 9_000}})  # more than any node has
        until(admin, lambda d: "wide" in js(d, "return [...window.__dashboard.store.pending];"))
        open_task(admin, "wide")
        summary = until(admin, lambda d: rows(d, "#panel .rejected-summary tbody tr") or None)
        assert summary == [["Insufficient cpu", "NodeResourcesFit", "4"],  # the most first
                           ["node(s) were not ready", "readiness", "1"],
                           ["node(s) were unschedulable", "NodeUnschedulable", "1"]]
        rejected = {row[0]: row[1:] for row in rows(admin, "#panel .rejections tbody tr")}
        assert rejected == {
            "g-c2": ["NodeResourcesFit", "Insufficient cpu"],
            "n-a1": ["NodeResourcesFit", "Insufficient cpu"],
            "n-a2": ["NodeResourcesFit", "Insufficient cpu"],
            "n-b1": ["NodeResourcesFit", "Insufficient cpu"],
            "n-b2": ["readiness", "node(s) were not ready"],
            "n-c1": ["NodeUnschedulable", "node(s) were unschedulable"],
        }
        assert "No node chosen" in admin.find_element(By.CSS_SELECTOR, "#panel .placement .summary").text
    finally:
        close_panel(admin)  # before the task goes: an open panel would read it once more (a 404 in the console)
        api.ok("PUT", "/nodes/n-c1", {"schedulable": True})
        api.ok("PUT", "/nodes/n-b2", {"healthy": True})
        api.ok("DELETE", "/tasks/wide")

    open_task(admin, "web-0")
    chosen = api.ok("GET", "/tasks/web-0")["node"]
    best = until(admin, lambda d: js(d, "return [...document.querySelectorAll('#panel .candidates tbody tr.chosen')]"
                                        ".map(tr => [tr.dataset.node, tr.getAttribute('aria-current'), tr.cells[0].innerText]);"))
    assert best == [[chosen, "true", "✓ chosen"]]
    header = rows(admin, "#panel .candidates thead tr", "th")[0]
    assert header[:2] == ["#", "node"] and header[-1] == "total" and "Fit ×1" in header and "Taints ×3" in header
    placement = api.ok("GET", "/tasks/web-0/placement?limit=20")
    first = placement["candidates"][0]
    cells = rows(admin, "#panel .candidates tbody tr")[0]
    assert cells[1] == first["node"] and cells[-1] == str(first["total"])
    for name, weight in placement["weights"].items():  # each plug-in's part: score x weight
        part = first["scores"][name] * weight
        assert f"{part} ({first['scores'][name]})" in cells
    search = admin.find_element(By.ID, "placement-search")
    search.send_keys("n-a", Keys.ENTER)
    until(admin, lambda d: (nodes := [r.get_attribute("data-node") for r in d.find_elements(By.CSS_SELECTOR, "#panel .candidates tbody tr")])
          and all(n.startswith("n-a") for n in nodes))
    assert admin.switch_to.active_element.get_attribute("id") == "placement-search"
    search = admin.find_element(By.ID, "placement-search")
    search.send_keys(Keys.ESCAPE)
    until(admin, lambda d: not d.find_element(By.ID, "panel").is_displayed())


def rows(driver: WebDriver, selector: str, cells: str = "td") -> list[list[str]]:
    """The text of each row's cells, read at one moment (a panel is drawn anew when its object changes)."""
    return js(driver, "return [...document.querySelectorAll(arguments[0])].map(row => "
                      "[...row.querySelectorAll(arguments[1])].map(cell => cell.innerText.replace(/\\s+/g, ' ').trim()));",
              selector, cells)


def test_the_keyboard_reaches_the_map_and_the_panels(admin):
    canvas = admin.find_element(By.ID, "map")
    js(admin, "document.getElementById('zoom').focus();")
    ActionChains(admin).send_keys(Keys.TAB).perform()  # the next stop after the map's toolbar
    ActionChains(admin).send_keys(Keys.TAB).perform()
    ActionChains(admin).send_keys(Keys.TAB).perform()
    assert admin.switch_to.active_element == canvas
    until(admin, lambda d: d.find_element(By.ID, "tooltip").text.startswith("n-a1"))
    ActionChains(admin).send_keys(Keys.ARROW_RIGHT).perform()
    until(admin, lambda d: d.find_element(By.ID, "map-announce").text.startswith("n-a2"))
    ActionChains(admin).send_keys(Keys.ENTER).perform()
    until(admin, lambda d: panel_title(d) == "Node n-a2")
    assert admin.switch_to.active_element.get_attribute("id") == "panel-title"
    ActionChains(admin).send_keys(Keys.ESCAPE).perform()
    until(admin, lambda d: not d.find_element(By.ID, "panel").is_displayed())
    assert admin.switch_to.active_element == canvas  # focus comes back


def test_admin_actions_work(admin, api):
    open_node(admin, "n-c1")
    click(admin, "#panel [data-action='cordon']")
    until(admin, lambda d: "cordoned" in drawn(d, "n-c1")["flags"])
    assert api.ok("GET", "/nodes/n-c1")["schedulable"] is False
    click(admin, "#panel [data-action='uncordon']")
    until(admin, lambda d: drawn(d, "n-c1")["flags"] == "")
    assert api.ok("GET", "/nodes/n-c1")["schedulable"] is True

    click(admin, "#panel [data-action='fail']")
    until(admin, lambda d: "unhealthy" in drawn(d, "n-c1")["flags"])
    click(admin, "#panel [data-action='recover']")
    until(admin, lambda d: drawn(d, "n-c1")["flags"] == "")
    assert api.ok("GET", "/nodes/n-c1")["healthy"] is True

    api.ok("POST", "/tasks", {"id": "doomed"})
    open_task(admin, "doomed")
    click(admin, "#panel [data-action='delete']")
    until(admin, lambda _: api("GET", "/tasks/doomed").status_code == 404)
    until(admin, lambda d: "does not exist" in d.find_element(By.ID, "panel-body").text)
    close_panel(admin)

    form = admin.find_element(By.ID, "create-form")
    form.find_element(By.NAME, "id").send_keys("made-here")
    cpu = form.find_element(By.NAME, "cpu")
    cpu.clear()
    cpu.send_keys("300m")
    form.find_element(By.NAME, "duration").send_keys("600")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(admin, lambda d: "task made-here created" in d.find_element(By.ID, "toast").text)
    made = api.ok("GET", "/tasks/made-here")
    assert made["resources"]["cpu"] == 300 and made["duration"] == 600

    until(admin, lambda d: "api" in [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#deployment option")])
    js(admin, "const s = document.getElementById('deployment'); s.value = 'api'; s.dispatchEvent(new Event('change'));")
    replicas = admin.find_element(By.ID, "replicas")
    replicas.clear()
    replicas.send_keys("3", Keys.ENTER)
    until(admin, lambda d: "deployment api scaled to 3" in d.find_element(By.ID, "toast").text)
    assert api.ok("GET", "/deployments/api")["replicas"] == 3


def test_a_viewer_sees_every_action_disabled_and_the_api_refuses(viewer, server):
    driver, _ = viewer
    assert driver.find_element(By.ID, "who").text == "Logged in as viewer"
    controls = driver.find_elements(By.CSS_SELECTOR, ".write")
    assert len(controls) >= 8 and not any(c.is_enabled() for c in controls)
    assert driver.find_element(By.CSS_SELECTOR, "#actions-section .read-only-note").is_displayed()
    open_node(driver, "n-b1")
    assert js(driver, "return [...document.querySelectorAll('#panel [data-action]')].map(b => [b.dataset.action, b.disabled]);") \
        == [["cordon", True], ["fail", True]]
    open_task(driver, "web-1")
    assert js(driver, "return [...document.querySelectorAll('#panel [data-action]')].map(b => [b.dataset.action, b.disabled]);") \
        == [["delete", True]]
    # The same session, as the page would send it (cookie and CSRF token): 403.
    session = requests.Session()
    for cookie in driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    csrf = session.get(f"{server.url}/ui/session", timeout=10).json()
    assert csrf["role"] == "viewer" and csrf["csrf"]
    refused = session.put(f"{server.url}/nodes/n-b1", json={"schedulable": False},
                          headers={"X-CSRF-Token": csrf["csrf"]}, timeout=10)
    assert refused.status_code == 403 and "may only read" in refused.json()["description"]
    refused = session.post(f"{server.url}/tasks", json={"id": "sneaky"}, headers={"X-CSRF-Token": csrf["csrf"]}, timeout=10)
    assert refused.status_code == 403


def test_the_stream_resumes_after_a_drop_from_the_last_event_id(viewer, api):
    driver, proxy = viewer
    badge = driver.find_element(By.ID, "stream")
    until(driver, lambda d: badge.get_attribute("data-state") == "live")
    api.ok("POST", "/tasks", {"id": "before-drop"})
    until(driver, lambda d: js(d, "return window.__dashboard.store.tasks.has('before-drop');"))
    until(driver, lambda d: js(d, "return window.__dashboardStats.snapshot().lastSeq;") == seq_now(api))
    last_seen = js(driver, "return window.__dashboardStats.snapshot().lastSeq;")
    opened = js(driver, "return window.__dashboardStats.snapshot().streamOpened;")

    proxy.refusing.set()
    proxy.cut()
    until(driver, lambda d: badge.get_attribute("data-state") == "down" and "Stream down" in badge.text)
    api.ok("POST", "/tasks", {"id": "during-drop"})  # its events come after the reconnection
    proxy.refusing.clear()

    until(driver, lambda d: badge.get_attribute("data-state") == "live" and
          js(d, "return window.__dashboardStats.snapshot().streamOpened;") > opened, timeout=15)
    resumed = [r for r in proxy.stream_requests if "last-event-id" in r]
    assert resumed and int(resumed[0]["last-event-id"]) == last_seen, proxy.stream_requests
    until(driver, lambda d: js(d, "return window.__dashboard.store.tasks.get('during-drop')?.status;") == "running")
    seqs = js(driver, "return [...document.querySelectorAll('#event-list li')].map(li => Number(li.dataset.seq));")
    assert len(seqs) == len(set(seqs))  # nothing repeated
    # The drop itself shows as failed requests in the console (network, not script): read them off.
    assert all(entry.get("source") == "network" for entry in driver.get_log("browser") if entry["level"] == "SEVERE")


def seq_now(api: Api) -> int:
    return int(api("GET", "/events?limit=1").headers["X-Last-Seq"])


def test_the_page_reads_the_schedulers_messages_and_the_metrics(admin):
    """lib.js, the page's pure helpers, run in the page itself."""
    found = admin.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('/ui/static/lib.js').then((lib) => {
          const before = [{le: 0.01, count: 10}, {le: 0.1, count: 10}, {le: Infinity, count: 10}];
          const after = [{le: 0.01, count: 20}, {le: 0.1, count: 30}, {le: Infinity, count: 30}];
          done({
            taint: lib.parseReasons('0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient cpu.'),
            gpu: lib.parseReasons('0/3 nodes are available: 1 node(s) didn\\'t match Pod\\'s node affinity/selector, 2 Insufficient nvidia.com/gpu.'),
            none: lib.parseReasons(''),
            empty: lib.parseReasons('0/0 nodes are available: no nodes registered.'),
            p50: lib.quantileBetween(before, after, 0.5),
            p95: lib.quantileBetween(before, after, 0.95),
            idle: lib.quantileBetween(after, after, 0.5),
            metrics: lib.parsePrometheus('# HELP x\\norchestrator_tasks{status="pending"} 3.0\\nup 1'),
            usage: [lib.usage('cpu', 3500, 8000), lib.usage('memory', 12288, 32768), lib.usage('memory', 300, 512),
                    lib.usage('gpu', 1.5, 4)],
            filters: ['node(s) were not ready', 'Insufficient memory', 'node(s) had untolerated taint {a: b}',
                      "node(s) didn't satisfy existing pods anti-affinity rules", 'something new'].map(lib.filterOf),
          });
        }, (error) => done({error: String(error)}));
    """)
    assert found["taint"] == {"total": 5, "reasons": [{"count": 2, "reason": "node(s) had untolerated taint {dedicated: gpu}"},
                                                      {"count": 3, "reason": "Insufficient cpu"}]}
    assert found["gpu"]["reasons"][1] == {"count": 2, "reason": "Insufficient nvidia.com/gpu"}
    assert found["none"] == {"total": None, "reasons": []}
    assert found["empty"] == {"total": 0, "reasons": []}
    assert found["p50"] == pytest.approx(0.01) and found["p95"] == pytest.approx(0.091) and found["idle"] is None
    assert found["metrics"] == [{"name": "orchestrator_tasks", "labels": {"status": "pending"}, "value": 3},
                                {"name": "up", "labels": {}, "value": 1}]
    assert found["usage"] == ["3.5/8 cpu", "12/32 GiB", "300/512 MiB", "1.5/4 gpu"]
    assert found["filters"] == ["readiness", "NodeResourcesFit", "TaintToleration", "InterPodAffinity", ""]
