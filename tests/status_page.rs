//! ccrd's status page in a real browser: headless Chromium (Debian's `chromium`), driven over
//! WebDriver by `chromedriver` and the `fantoccini` crate, against a ccrd on 127.0.0.1. It signs
//! in with the viewer token through the form, checks the seed estate on the page, moves the
//! CMS through the API and sees the page follow within a second, checks the page at phone
//! width, its accessibility basics (headings, table semantics, contrast) and the static
//! snapshot without JavaScript, and saves screenshots under `target/status-page/`
//! (`UPDATE_SCREENSHOTS=1` also writes the one docs/GUIDE.md shows).
//!
//! Without Chromium the test says so in one line and does nothing else; with
//! `CCRSH_REQUIRE_BROWSER=1` (set by `.ci/run`, which installs Chromium) it fails instead.
//! A page-level check that needs no browser (sign-in, cookie, headers, the stream) is in
//! `status_page_without_a_browser`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ccrsh::api::routes;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::{Ccrd, Home, http_client};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The flags that work on this kind of machine (no sandbox as root, no GPU, no network chatter).
const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// A change through the API, as an administrator. On its own thread: the blocking client
/// cannot run inside the browser's async runtime.
fn post(ccrd: &Ccrd, route: &str, body: Value) {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let request =
                    http_client().post(format!("{}{route}", ccrd.url)).bearer_auth(ccrd.admin_token()).json(&body);
                let response = request.send().expect("sent");
                assert!(response.status().is_success(), "{route}: {}", response.text().unwrap_or_default());
            })
            .join()
            .expect("the change was made");
    });
}

/// Chromium and chromedriver, or `None` after saying in one line why the test cannot run.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from);
    let driver = std::env::var_os("CHROMEDRIVER").map_or_else(|| PathBuf::from(CHROMEDRIVER), PathBuf::from);
    let missing: Vec<String> =
        [&chromium, &driver].iter().filter(|p| !p.exists()).map(|p| p.display().to_string()).collect();
    if missing.is_empty() {
        return Some((chromium, driver));
    }
    let line = format!(
        "status page browser test NOT RUN: {} missing (apt-get install chromium chromium-driver; .ci/run installs them)",
        missing.join(" and ")
    );
    assert!(std::env::var_os("CCRSH_REQUIRE_BROWSER").is_none(), "{line}");
    // Straight to the terminal: the test harness hides what a passing test prints.
    let _ = writeln!(std::io::stderr(), "{line}");
    None
}

/// chromedriver on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(path: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let child = Command::new(path)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session of `width`×`height`, with JavaScript or without.
async fn session(driver: &Driver, chromium: &Path, profile: &Path, javascript: bool) -> Client {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push("--window-size=1280,800".into());
    if !javascript {
        args.push("--blink-settings=scriptEnabled=false".into());
    }
    let capabilities = json!({
        "goog:chromeOptions": { "binary": chromium.display().to_string(), "args": args }
    });
    let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Sizes the window so the page itself (the viewport) is `width`×`height`.
async fn viewport(client: &Client, width: u32, height: u32) {
    client.set_window_size(width, height).await.expect("sized");
    let inner = eval(client, "return [window.innerWidth, window.innerHeight]").await;
    let short =
        |i: usize, want: u32| u32::try_from((i64::from(want) - inner[i].as_i64().unwrap_or(0)).max(0)).unwrap_or(0);
    let (extra_width, extra_height) = (short(0, width), short(1, height));
    if extra_width + extra_height > 0 {
        client.set_window_size(width + extra_width, height + extra_height).await.expect("sized");
    }
}

/// Runs `script` in the page and returns its value.
async fn eval(client: &Client, script: &str) -> Value {
    client.execute(script, Vec::new()).await.unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// The rendered text of the first element matching `css`, read in one step in the page: the live
/// updates replace elements, so a found element can go stale before its text is asked for.
async fn text(client: &Client, css: &str) -> String {
    let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null";
    match client.execute(script, vec![Value::from(css)]).await {
        Ok(Value::String(text)) => text,
        Ok(_) => panic!("{css}: no such element"),
        Err(e) => panic!("{css}: {e}"),
    }
}

/// Waits until `script` returns `true` in the page.
async fn until(client: &Client, what: &str, script: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        if eval(client, script).await == Value::Bool(true) {
            return;
        }
        assert!(Instant::now() < deadline, "{what} did not happen within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Signs in through the form with `token`.
async fn sign_in(client: &Client, url: &str, token: &str) {
    client.goto(&format!("{url}/")).await.expect("page");
    let field = client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#token")).await.expect("form");
    field.send_keys(token).await.expect("typed");
    client.find(Locator::Css("form button[type=submit]")).await.expect("button").click().await.expect("submitted");
    client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#estate")).await.expect("the page");
}

/// Where screenshots go: `target/status-page/NAME.png`.
fn save(name: &str, png: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../status-page");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).expect("screenshot written");
    path
}

/// The smallest contrast ratio (WCAG) between any visible text and its background.
const LOWEST_CONTRAST: &str = r#"
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (css) => (css.match(/[\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  let lowest = 21, where = "";
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const fg = lum(parse(getComputedStyle(el).color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < lowest) { lowest = ratio; where = el.tagName + "." + el.className + ": " + el.textContent.trim().slice(0, 40); }
  }
  return [lowest, where];
"#;

/// Headings in order without skipped levels, one h1, every table with a caption and header
/// cells with a scope; returns the problems found.
const STRUCTURE_PROBLEMS: &str = r#"
  const problems = [];
  if (document.documentElement.lang !== "en") problems.push("html has no lang");
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => Number(h.tagName[1]));
  if (headings.filter((l) => l === 1).length !== 1) problems.push("not exactly one h1");
  headings.reduce((previous, level) => { if (level > previous + 1) problems.push("heading skips to h" + level); return level; }, 0);
  for (const table of document.querySelectorAll("table")) {
    if (!table.caption || !table.caption.textContent.trim()) problems.push("a table without a caption");
    if (!table.tHead) problems.push("a table without a head");
    for (const th of table.querySelectorAll("th")) if (!th.scope) problems.push("a th without scope: " + th.textContent);
  }
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  if (new Set(ids).size !== ids.length) problems.push("duplicate ids");
  return problems;
"#;

fn now_ms() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_millis()).expect("fits")
}

#[test]
fn the_status_page_in_chromium_shows_the_estate_and_follows_a_move_live() {
    let Some((chromium, driver_path)) = browser() else { return };
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let profiles = tempfile::tempdir().expect("profiles");
    let driver = Driver::start(&driver_path);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let client = session(&driver, &chromium, &profiles.path().join("live"), true).await;
        sign_in(&client, &ccrd.url, &ccrd.viewer_token()).await;
        viewport(&client, 1280, 800).await;
        assert_eq!(eval(&client, "return [window.innerWidth, window.innerHeight]").await, json!([1280, 800]));

        // The token went in a form body: not into the address, not into a script-readable cookie.
        let address = client.current_url().await.expect("url").to_string();
        assert!(!address.contains(&ccrd.viewer_token()), "{address}");
        assert_eq!(eval(&client, "return document.cookie").await, json!(""), "the session cookie is HttpOnly");

        // The seed estate: two datacenters side by side, the active node marked, two healthy copies.
        let datacenters = eval(&client, "return [...document.querySelectorAll('.datacenter > h2')].map(h => h.firstChild.textContent.trim())").await;
        assert_eq!(datacenters, json!(["Production", "Backup"]));
        let tops = eval(&client, "return [...document.querySelectorAll('.datacenter')].map(d => Math.round(d.getBoundingClientRect().top))").await;
        assert_eq!(tops[0], tops[1], "side by side at 1280×800: {tops}");
        assert_eq!(text(&client, "tr.active th").await, "NH-W2K3-SRV03");
        assert_eq!(text(&client, "tr.active [data-role=active]").await, "Active: CCREX01");
        assert_eq!(text(&client, "[data-field=active-node]").await, "NH-W2K3-SRV03");
        let statuses = eval(&client, "return [...document.querySelectorAll('[data-field=copy-status]')].map(s => s.textContent)").await;
        assert_eq!(statuses, json!(["Healthy", "Healthy"]));
        assert_eq!(eval(&client, "return document.querySelectorAll('meter').length").await, json!(4), "a bar per queue");
        assert!(text(&client, "#dc-2-scr + p").await.contains("None"), "no SCR copy in the seed");
        until(&client, "the live stream", "return document.getElementById('live').dataset.state === 'live'", Duration::from_secs(10)).await;
        save("desktop", &client.screenshot().await.expect("screenshot"));

        // Accessibility basics, measured in the rendered page.
        assert_eq!(eval(&client, STRUCTURE_PROBLEMS).await, json!([]));
        let contrast = eval(&client, LOWEST_CONTRAST).await;
        assert!(contrast[0].as_f64().is_some_and(|c| c >= 4.5), "text contrast below 4.5:1 at {contrast}");

        // A move through the API shows on the page within a second, without a reload.
        let updates = eval(&client, "return Number(document.getElementById('estate').dataset.updates || 0)").await;
        let marker = "document.getElementById('estate').dataset.marker = 'same page'; return true";
        eval(&client, marker).await;
        post(&ccrd, routes::MOVE_CMS, json!({"identity": "CCREX01", "targetMachine": "NH-W2K3-SRV04", "moveComment": "patching"}));
        let moved_at = now_ms();
        client.execute("window.__seen = null; const check = () => { if (document.querySelector('[data-field=active-node]')?.textContent === 'NH-W2K3-SRV04') { window.__seen = Date.now(); } else { requestAnimationFrame(check); } }; check(); return true", Vec::new()).await.expect("watch");
        until(&client, "the move on the page", "return window.__seen !== null", Duration::from_secs(10)).await;
        let seen = eval(&client, "return window.__seen").await.as_i64().expect("ms");
        let lag = seen - moved_at;
        assert!(lag < 1000, "the move showed {lag} ms after the API answered");
        assert_eq!(eval(&client, "return document.getElementById('estate').dataset.marker").await, json!("same page"), "no reload");
        assert!(eval(&client, "return Number(document.getElementById('estate').dataset.updates)").await.as_i64() > updates.as_i64());
        assert_eq!(text(&client, "tr.active th").await, "NH-W2K3-SRV04");
        let journal = "return (document.querySelector('table.history')?.textContent || '').includes('Move-ClusteredMailboxServer') \
                       && (document.querySelector('table.events')?.textContent || '').includes('was moved from')";
        until(&client, "the move in the history and the events", journal, Duration::from_secs(2)).await;

        // A suspended copy falls behind: its queue grows on the page as mail arrives.
        post(&ccrd, routes::SUSPEND_COPY, json!({"identity": "CCREX01\\First Storage Group", "suspendComment": "backup window"}));
        post(&ccrd, routes::LAB_MAIL, json!({"database": "Mailbox Database", "count": 240, "sizeKb": 64}));
        until(&client, "the queue on the page", "return Number(document.querySelector('[data-field=copy-queue]').textContent) >= 10", Duration::from_secs(10)).await;
        assert!(text(&client, "[data-field=copy-status]").await.contains("Suspended"));
        let png = client.screenshot().await.expect("screenshot");
        save("desktop-after-move", &png);
        if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/images/status-page.png");
            std::fs::write(&docs, &png).expect("docs screenshot written");
        }

        // Phone width: one column, nothing wider than the screen (wide tables scroll in place).
        viewport(&client, 390, 844).await;
        let width = eval(&client, "return window.innerWidth").await.as_i64().expect("width");
        assert!(width <= 420, "the window became {width} px wide");
        let tops = eval(&client, "return [...document.querySelectorAll('.datacenter')].map(d => Math.round(d.getBoundingClientRect().top))").await;
        assert!(tops[1].as_i64() > tops[0].as_i64(), "one column on a phone: {tops}");
        let overflow = eval(&client, "return document.documentElement.scrollWidth - window.innerWidth").await;
        assert!(overflow.as_i64().is_some_and(|o| o <= 0), "the page is wider than the phone by {overflow} px");
        save("phone", &client.screenshot().await.expect("screenshot"));

        // Signing out ends the session: back to the form, and the stream is refused.
        viewport(&client, 1280, 800).await;
        client.find(Locator::Css(".signout button")).await.expect("sign out").click().await.expect("clicked");
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#token")).await.expect("the form again");
        client.close().await.expect("closed");

        // Without JavaScript the page is a static snapshot of the same estate.
        let still = session(&driver, &chromium, &profiles.path().join("static"), false).await;
        sign_in(&still, &ccrd.url, &ccrd.viewer_token()).await;
        assert_eq!(text(&still, "[data-field=active-node]").await, "NH-W2K3-SRV04");
        let live = still.find(Locator::Css("#live")).await.expect("live");
        assert_eq!(live.attr("data-state").await.expect("attr").as_deref(), Some("snapshot"));
        assert!(live.text().await.expect("text").contains("Reload the page"));
        save("without-javascript", &still.screenshot().await.expect("screenshot"));
        still.close().await.expect("closed");
    });
    // ccrd stops at once even though a browser watched it.
    assert!(ccrd.terminate().success());
}

/// The page's HTTP contract, without a browser: sign-in, the cookie's attributes, the
/// headers, the stream's first update, refusals, and that no token reaches the log.
#[test]
fn status_page_without_a_browser() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let client = http_client();
    let page = client.get(format!("{}/", ccrd.url)).send().expect("sent");
    assert_eq!(page.status(), 200);
    let body = page.text().expect("text");
    assert!(
        body.contains("<form method=\"post\" action=\"login\">") && !body.contains("CCREX01"),
        "the sign-in form, no estate"
    );

    let refused = client.post(format!("{}/login", ccrd.url)).form(&[("token", "wrong")]).send().expect("sent");
    assert_eq!(refused.status(), 401);
    assert!(refused.headers().get("set-cookie").is_none());
    assert!(refused.text().expect("text").contains("role=\"alert\""));

    let metrics_token = client.post(format!("{}/login", ccrd.url)).form(&[("token", ccrd.metrics_token())]).send();
    assert_eq!(metrics_token.expect("sent").status(), 401, "the metrics token reads only /metrics");

    let signed =
        client.post(format!("{}/login", ccrd.url)).form(&[("token", ccrd.viewer_token())]).send().expect("sent");
    assert_eq!(signed.status(), 303);
    let cookie = signed.headers()["set-cookie"].to_str().expect("ascii").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    let session = cookie.split(';').next().expect("pair").to_string();
    assert!(!session.contains(&ccrd.viewer_token()), "the cookie is a session id, not the token");

    let page = client.get(format!("{}/", ccrd.url)).header("cookie", &session).send().expect("sent");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().expect("ascii").to_string();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let body = page.text().expect("text");
    assert!(body.contains("NH-W2K3-SRV03") && body.contains("Signed in as <strong>Viewer</strong>"), "{body}");

    // The stream answers with the estate at once.
    let mut stream = client.get(format!("{}/status/stream", ccrd.url)).header("cookie", &session).send().expect("sent");
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut first = [0u8; 4096];
    let read = std::io::Read::read(&mut stream, &mut first).expect("first event");
    let first = String::from_utf8_lossy(&first[..read]);
    assert!(first.starts_with("event: estate\ndata: {"), "{first}");
    drop(stream);
    assert_eq!(client.get(format!("{}/status/stream", ccrd.url)).send().expect("sent").status(), 401);

    // After signing out the session is gone.
    let out = client.post(format!("{}/logout", ccrd.url)).header("cookie", &session).send().expect("sent");
    assert_eq!(out.status(), 303);
    assert!(out.headers()["set-cookie"].to_str().expect("ascii").contains("Max-Age=0"));
    let again = client.get(format!("{}/", ccrd.url)).header("cookie", &session).send().expect("sent");
    assert!(again.text().expect("text").contains("action=\"login\""));

    // A revoked person's session ends with the token.
    let lab = home.lab();
    let token_of = |name: &str| {
        let added = Command::new(env!("CARGO_BIN_EXE_ccrd"))
            .args(["token", "add", name, "--role", "viewer", "--lab", lab.to_str().expect("utf-8")])
            .output()
            .expect("token added");
        String::from_utf8_lossy(&added.stdout).trim().to_string()
    };
    let bob = token_of("bob");
    let signed = client.post(format!("{}/login", ccrd.url)).form(&[("token", &bob)]).send().expect("sent");
    let session = signed.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("pair").to_string();
    let page = client.get(format!("{}/", ccrd.url)).header("cookie", &session).send().expect("sent");
    assert!(page.text().expect("text").contains("Signed in as <strong>bob</strong>"));
    let revoked = Command::new(env!("CARGO_BIN_EXE_ccrd"))
        .args(["token", "revoke", "bob", "--lab", lab.to_str().expect("utf-8")])
        .status()
        .expect("revoked");
    assert!(revoked.success());
    let page = client.get(format!("{}/", ccrd.url)).header("cookie", &session).send().expect("sent");
    assert!(page.text().expect("text").contains("action=\"login\""), "a revoked token's session ends");

    let log = ccrd.log();
    for token in [ccrd.viewer_token(), ccrd.admin_token(), bob] {
        assert!(!log.contains(&token), "a token is in the log");
    }
    let history = client
        .get(format!("{}{}", ccrd.url, routes::HISTORY))
        .bearer_auth(ccrd.admin_token())
        .send()
        .expect("sent")
        .text()
        .expect("text");
    assert!(history.contains("POST /login") && history.contains("Denied"), "sign-ins are audited: {history}");
}

/// An open live stream does not hold up ccrd's shutdown.
#[test]
fn ccrd_stops_promptly_while_a_page_watches() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let client = http_client();
    let signed =
        client.post(format!("{}/login", ccrd.url)).form(&[("token", ccrd.viewer_token())]).send().expect("sent");
    let session = signed.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("pair").to_string();
    let mut stream = client.get(format!("{}/status/stream", ccrd.url)).header("cookie", &session).send().expect("sent");
    let mut first = [0u8; 64];
    assert!(std::io::Read::read(&mut stream, &mut first).expect("first event") > 0);
    let (done, stopped) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(ccrd.terminate());
    });
    let status = stopped.recv_timeout(Duration::from_secs(20)).expect("ccrd stopped while the stream was open");
    assert!(status.success(), "{status:?}");
    drop(stream);
}

/// An SCR standby appears in its datacenter's standby table; a token in the URL signs no one in.
#[test]
fn the_page_lists_scr_standbys_and_takes_no_token_from_the_url() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let client = http_client();
    for url in [
        format!("{}/?token={}", ccrd.url, ccrd.viewer_token()),
        format!("{}/login?token={}", ccrd.url, ccrd.viewer_token()),
    ] {
        let answer = client.get(&url).send().expect("sent");
        assert!(answer.headers().get("set-cookie").is_none(), "{url}: no session from a URL");
        assert!(!answer.text().expect("text").contains("NH-W2K3-SRV03"), "{url}: no estate for a token in the URL");
    }

    let enable = json!({"identity": "CCREX01\\First Storage Group", "standbyMachine": "NH-W2K3-SRV01"});
    post(&ccrd, routes::ENABLE_COPY, enable);
    let signed =
        client.post(format!("{}/login", ccrd.url)).form(&[("token", ccrd.viewer_token())]).send().expect("sent");
    let session = signed.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("pair").to_string();
    let body =
        client.get(format!("{}/", ccrd.url)).header("cookie", &session).send().expect("sent").text().expect("text");
    let backup = body.split("id=\"dc-2-scr\"").nth(1).and_then(|rest| rest.split("</section>").next());
    let backup = backup.unwrap_or_else(|| panic!("the Backup datacenter's standby section:\n{body}"));
    assert!(backup.contains("<table class=\"copies\">"), "a table of standbys: {backup}");
    assert!(backup.contains("data-copy=\"CCREX01") && backup.contains("on NH-W2K3-SRV01\""), "{backup}");
    assert!(backup.contains("data-field=\"copy-queue\"") && backup.contains("<meter"), "queues as bars: {backup}");
    let production = body.split("id=\"dc-1-scr\"").nth(1).and_then(|rest| rest.split("</section>").next());
    assert!(production.is_some_and(|p| p.contains("None.")), "no standby held in Production");
}
