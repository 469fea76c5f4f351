"""The deployment recipe, tested: deploy/nginx.conf passes ``nginx -t``, and, started (ports
rewritten to free loopback ones, a self-signed test certificate beside it) in front of two app
replicas, serves the app through the proxy over HTTPS only: the page draws its figure over the
proxied WebSocket, and every request of one browser (page, assets, /_stcore/stream) reaches one
replica, chosen by the route cookie nginx sets.  Issue 23: every response carries the security
headers, the access log holds no query string (no ``ds`` id), plain HTTP redirects, one address
is rate-limited, and deploy/run_replica.sh refuses a default or empty cookie secret."""
from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.appserver import APP_DIR, CHART, free_port, start_server, stop_server, wait_app_idle
from tests.e2e.conftest import SHOTS, no_exception_shown, record_errors

CONF = APP_DIR / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _nginx(prefix: Path, conf: Path, *args: str) -> list[str]:
    return [NGINX, "-p", f"{prefix}/", "-e", str(prefix / "startup.log"), "-c", str(conf), *args]


def _rewritten(conf_text: str, http: int, https: int, ports: list[int]) -> str:
    """deploy/nginx.conf with its listen ports, its HTTPS redirect and its upstream servers replaced."""
    out, n_http = re.subn(r"listen 80;", f"listen 127.0.0.1:{http};", conf_text)
    out, n_https = re.subn(r"listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;", out)
    out, n_redirect = re.subn(r"return 301 https://\$host\$request_uri;",
                              f"return 301 https://$host:{https}$request_uri;", out)
    servers = "".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in ports)
    out, n = re.subn(r"(?:        server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, out)
    assert (n, n_http, n_https, n_redirect) == (1, 1, 1, 1), "deploy/nginx.conf changed shape"
    return out


def _test_certificate(folder: Path) -> None:
    """A self-signed certificate where the recipe expects one (tls/ next to the config)."""
    (folder / "tls").mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(folder / "tls" / "privkey.pem"),
                    "-out", str(folder / "tls" / "fullchain.pem")], check=True, capture_output=True, timeout=60)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl._create_unverified_context()),
                                      _NoRedirect())


def _fetch(url: str, cookie: str | None = None):
    """(status, headers) of one request, redirects not followed, the test certificate accepted."""
    req = urllib.request.Request(url, headers={"Cookie": f"mscdm_route={cookie}"} if cookie else {})
    try:
        with _OPENER.open(req, timeout=10) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as err:
        return err.code, err.headers


def _get(url: str, cookie: str | None = None) -> tuple[int, str]:
    status, headers = _fetch(url, cookie)
    return status, headers.get("Set-Cookie") or ""


def _upstreams(log: Path, route: str) -> set[str]:
    """The replicas (upstream addresses) that served the requests carrying ``route``."""
    return {m.group(1) for line in log.read_text().splitlines() if f" route={route} " in line
            for m in [re.search(r"upstream=(\S+)", line)] if m}


def _stream_lines(log: Path, route: str) -> list[str]:
    return [line for line in log.read_text().splitlines() if f" route={route} " in line and "/_stcore/stream" in line]


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """Two replicas and nginx in front of them; yields (proxy URL, access log, replica addresses)."""
    if not Path(NGINX).exists():
        pytest.fail("nginx not found: apt-get install -y nginx-light (the deployment test must not skip)")
    tmp = tmp_path_factory.mktemp("nginx")
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": "test-secret-shared-by-both-replicas",
           "MSCDM_STATE_DIR": str(tmp / "state"), "MSCDM_CLIENT_ADDRESS_HEADER": "X-Real-IP"}
    replicas = []
    try:
        for i in range(2):
            replicas.append(start_server(tmp / f"replica{i}.log", env=env))
        ports = [int(r.url.rsplit(":", 1)[1]) for r in replicas]
        http, listen = free_port(), free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(_rewritten(CONF.read_text(), http, listen, ports))
        _test_certificate(tmp)
        proc = subprocess.Popen(_nginx(tmp, conf, "-g", "daemon off;"), start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            base = f"https://127.0.0.1:{listen}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    assert _get(f"{base}/_stcore/health")[0] == 200
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"nginx did not start: {(tmp / 'error.log').read_text()}")
                    time.sleep(0.1)
            yield base, tmp / "access.log", {f"127.0.0.1:{p}" for p in ports}, f"http://127.0.0.1:{http}"
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    finally:
        for r in replicas:
            stop_server(r.proc)


def test_the_checked_in_config_passes_nginx_t(tmp_path):
    conf = tmp_path / "nginx.conf"
    shutil.copy(CONF, conf)                 # unchanged, with a test certificate where it expects one
    _test_certificate(tmp_path)
    done = subprocess.run(_nginx(tmp_path, conf, "-t"), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
    # every location that reaches a replica where a save can start (the page's WebSocket, uploads) tells it
    # the client's address, replacing whatever the client sent (MSCDM_CLIENT_ADDRESS_HEADER=X-Real-IP)
    text = CONF.read_text().split("listen 443 ssl;", 1)[1]       # the HTTPS server (port 80 only redirects)
    for loc in ("location / {", "location /_stcore/stream {", "location /_stcore/upload_file {"):
        block = text.split(loc, 1)[1].split("}", 1)[0]
        assert "proxy_set_header X-Real-IP $remote_addr;" in block, loc
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in block, loc


def _two_routes(base: str, log: Path) -> dict[str, str]:
    """Route cookie values that the consistent hash sends to two different replicas."""
    found: dict[str, str] = {}
    for i in range(64):
        _get(f"{base}/_stcore/health", cookie=f"probe{i}")
        time.sleep(0.05)      # the access log line is written after the response
        (up,) = _upstreams(log, f"probe{i}")
        found.setdefault(up, f"probe{i}")
        if len(found) == 2:
            return {v: k for k, v in found.items()}
    raise AssertionError(f"64 route cookies all went to {set(found)}")


def test_each_browser_sticks_to_one_replica_and_the_app_works_through_the_proxy(proxy, browser):
    base, log, addresses, _ = proxy
    status, set_cookie = _get(base + "/")
    assert status == 200 and set_cookie.startswith("mscdm_route=")   # a first visit gets its route
    routes = _two_routes(base, log)
    (SHOTS / "16").mkdir(parents=True, exist_ok=True)
    for n, (route, replica) in enumerate(sorted(routes.items())):
        size = [{"width": 1440, "height": 900}, {"width": 1280, "height": 720}][n]
        ctx = browser.new_context(viewport=size, ignore_https_errors=True)
        try:
            ctx.add_cookies([{"name": "mscdm_route", "value": route, "url": base}])
            page = ctx.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/")
            page.locator(f"{CHART} .main-svg").first.wait_for(timeout=120_000)
            wait_app_idle(page)
            page.get_by_test_id("stSidebar").get_by_role("radiogroup").first.locator("label").nth(1).click()
            wait_app_idle(page)     # a rerun over the proxied WebSocket
            page.screenshot(path=str(SHOTS / "16" / f"through_nginx_{size['width']}.png"))
            assert no_exception_shown(page) and errors == []
        finally:
            ctx.close()
        deadline = time.monotonic() + 10      # the WebSocket's log line is written when it closes
        while not _stream_lines(log, route) and time.monotonic() < deadline:
            time.sleep(0.1)
        served = _upstreams(log, route)
        assert served == {replica}, f"route {route}: served by {served}, expected only {replica}"
        stream = _stream_lines(log, route)
        assert stream and all('" 101 ' in l for l in stream), stream   # the WebSocket upgrade went through
    assert set(routes.values()) == addresses        # both replicas served a browser


SECRET_ID = "Zq7" + "x" * 21          # shaped like a dataset id: it must never reach the access log
SECRET_TOKEN = "Tk9" + "y" * 40       # shaped like a download link's token: nor this


def test_a_page_opened_by_its_own_url_logs_no_404_through_the_proxy(proxy, browser):
    """Issue 26 item 20: Streamlit's frontend probed /<page>/_stcore/health and /<page>/_stcore/host-config
    before the root (two 404s in the console); nginx now tells it the base path before its bundle runs."""
    base = proxy[0]
    for size in ({"width": 1440, "height": 900}, {"width": 1280, "height": 720}):
        ctx = browser.new_context(viewport=size, ignore_https_errors=True)
        try:
            page = ctx.new_page()
            failed, console = record_errors(page)
            page.goto(f"{base}/reproduce")
            page.get_by_role("heading", name="Reported vs recomputed").wait_for(timeout=120_000)
            wait_app_idle(page)
            page.goto(f"{base}/studies")           # a second page by its URL, in the same browser
            page.get_by_role("columnheader", name="Ref. in paper").wait_for(timeout=120_000)   # drawn, not a skeleton
            wait_app_idle(page)
            page.screenshot(path=str(SHOTS / f"rr2_nginx_deeplink_{size['width']}.png"))
            assert failed == [] and not [c for c in console if "404" in c or "_stcore" in c], (failed, console)
            assert no_exception_shown(page)
        finally:
            ctx.close()


def test_security_headers_and_a_log_without_query_strings(proxy):
    base, log, _, plain = proxy
    status, headers = _fetch(f"{base}/forest?ds={SECRET_ID}&outcome=FBG")
    assert status == 200
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Secure" in (headers.get("Set-Cookie") or "")
    status, headers = _fetch(f"{base}/no-such-path")         # "always": on errors too
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
    status, headers = _fetch(f"{plain}/?ds={SECRET_ID}")     # plain HTTP: only a redirect to HTTPS
    assert status == 301 and headers["Location"].startswith(base + "/?ds=")
    status, headers = _fetch(f"{base}/download/{SECRET_TOKEN}")     # a download link's route (ui/downloads.py)
    assert status == 404 and headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    time.sleep(0.3)                                          # the access log line follows the response
    text = log.read_text()
    assert '"GET /forest HTTP/1.1" 200 ' in text             # the line: path without its query
    assert SECRET_ID not in text and "ds=" not in text and "?" not in text
    assert '"GET /download/- HTTP/1.1" 404 ' in text and SECRET_TOKEN not in text    # nor a link's token


def test_deploy_script_refuses_a_default_or_empty_cookie_secret(tmp_path):
    script = APP_DIR / "deploy" / "run_replica.sh"
    base = {**os.environ, "MSCDM_ENV_FILE": str(tmp_path / "none.env"), "PYTHON": "echo"}
    for secret in ("", "change-me", "short"):
        done = subprocess.run(["bash", str(script), "8501"], env={**base, "STREAMLIT_SERVER_COOKIE_SECRET": secret},
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 2 and "STREAMLIT_SERVER_COOKIE_SECRET" in done.stderr, (secret, done.stderr)
    good = subprocess.run(["bash", str(script), "8501"], capture_output=True, text=True, timeout=30,
                          env={**base, "STREAMLIT_SERVER_COOKIE_SECRET": "k" * 43})
    assert good.returncode == 0 and "streamlit run app.py" in good.stdout      # (echoed, not started)


def test_one_address_is_rate_limited(proxy):     # last: it spends this address's burst
    base, log, _, _ = proxy
    codes = [_fetch(f"{base}/")[0] for _ in range(400)]
    assert codes[0] == 200 and 429 in codes
    time.sleep(5)                                            # the burst refills (30 r/s)
    assert _fetch(f"{base}/")[0] == 200
