//! The browser side of the tests: chromedriver and Chromium (Debian's
//! packages, found through `DANGJIAN_CHROMEDRIVER`/`DANGJIAN_CHROMIUM`),
//! driven with fantoccini, and the waits and checks the page tests share.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::{TestApp, PASSWORD};

/// How long any one wait for the page may take.
pub const WAIT: Duration = Duration::from_secs(15);

// ------------------------------------------------------------------ the browser

/// Owns the chromedriver process (and, through it, Chromium) and the profile
/// directory: dropping it kills them and removes the directory, also when a
/// test panics.
pub struct DriverGuard {
    child: Child,
    dir: PathBuf,
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        // chromedriver runs in its own process group, which Chromium's
        // processes inherit: end the whole group, by its id.
        let pgid = self.child.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct Browser {
    pub c: Client,
    _guard: DriverGuard,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// A headless Chromium session, or `None` (the test is skipped) when no
    /// chromedriver is configured and a browser is not required.
    pub async fn start() -> Option<Browser> {
        let required = std::env::var("DANGJIAN_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        let driver = match std::env::var("DANGJIAN_CHROMEDRIVER") {
            Ok(d) if !d.is_empty() => d,
            _ => {
                assert!(!required, "DANGJIAN_TEST_REQUIRE_BROWSER=1 but DANGJIAN_CHROMEDRIVER is not set");
                eprintln!("skipping browser test: DANGJIAN_CHROMEDRIVER is not set");
                return None;
            }
        };
        let chromium = std::env::var("DANGJIAN_CHROMIUM")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/usr/bin/chromium".into());

        let dir = std::env::temp_dir().join(format!("dangjian-browser-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).expect("browser temp dir");
        let port = free_port();
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(&driver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start chromedriver {driver}: {e}"))
        };
        let guard = DriverGuard { child, dir: dir.clone() };

        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < WAIT, "chromedriver {driver} did not listen on port {port}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let profile = dir.join("profile");
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--lang=zh-CN",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
                // The users' browsers ask for Chinese; headless Chromium would say en-US.
                "prefs": {"intl.accept_languages": "zh-CN,zh"},
            }
        });
        let serde_json::Value::Object(caps) = caps else { unreachable!() };
        let c = ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot start a Chromium session ({chromium}) through {driver}: {e}"));
        Some(Browser { c, _guard: guard })
    }

    /// Ends the session cleanly; the guard then stops chromedriver.
    pub async fn close(self) {
        let Browser { c, _guard } = self;
        let _ = c.close().await;
    }
}

pub fn rand_suffix() -> u32 {
    rand::random()
}

/// Runs `body` with the browser once per available backend, each on a fresh
/// app and with the browser's cookies cleared.
#[macro_export]
macro_rules! in_browser {
    ($b:ident, $app:ident, $body:block) => {
        let Some($b) = Browser::start().await else { return };
        for backend in dangjian_store::testing::BACKENDS {
            let Some($app) = TestApp::spawn(backend).await else { continue };
            eprintln!("browser test on {:?}", $app.backend);
            // Cookies are per host, not per port: forget the previous app's.
            $b.c.goto(&$app.url("/healthz")).await.unwrap();
            $b.c.delete_all_cookies().await.unwrap();
            $body
            $app.stop().await;
        }
        $b.close().await;
    };
}

// ------------------------------------------------------------------ helpers

/// An XPath string literal for `s` (which must not contain both kinds of quote).
pub fn lit(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}

pub async fn page_state(c: &Client) -> String {
    let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
    let title = c.title().await.unwrap_or_default();
    format!("{url} (title {title:?})")
}

/// Waits for the element matching `css` and returns it.
pub async fn wait_css(c: &Client, css: &str) -> fantoccini::elements::Element {
    match c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => panic!("no {css} on {}: {e}", page_state(c).await),
    }
}

/// Waits until the element `css` has exactly the text `want` (whitespace
/// normalised); on time-out, panics with what it shows instead.
pub async fn expect_text(c: &Client, css: &str, want: &str) {
    expect_text_by(c, css, want, &format!("normalize-space(.)={}", lit(want))).await
}

/// Waits until the element `css` contains the text `want`.
pub async fn expect_contains(c: &Client, css: &str, want: &str) {
    expect_text_by(c, css, want, &format!("contains(normalize-space(.), {})", lit(want))).await
}

/// Waits for an element `css` that also satisfies the XPath `predicate`.
pub async fn expect_text_by(c: &Client, css: &str, want: &str, predicate: &str) {
    let xpath = format!("{}[{predicate}]", css_to_xpath(css));
    if c.wait().at_most(WAIT).for_element(Locator::XPath(&xpath)).await.is_err() {
        let seen = match c.find(Locator::Css(css)).await {
            Ok(e) => format!("{:?}", e.text().await.unwrap_or_default()),
            Err(_) => "nothing (absent)".into(),
        };
        panic!("{css}: expected {want:?}, it shows {seen} on {}", page_state(c).await);
    }
}

/// The few CSS forms these tests use, as XPath: `#id`, `tag#id`, `tag.class`, `tag`.
pub fn css_to_xpath(css: &str) -> String {
    if let Some((tag, id)) = css.split_once('#') {
        let tag = if tag.is_empty() { "*" } else { tag };
        format!("//{tag}[@id={}]", lit(id))
    } else if let Some((tag, class)) = css.split_once('.') {
        format!("//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {class} ')]")
    } else {
        format!("//{css}")
    }
}

/// Clicks the element and waits until the browser shows `url`.
pub async fn click_to(c: &Client, el: fantoccini::elements::Element, url: &str) {
    el.click().await.unwrap();
    let want = url::Url::parse(url).unwrap();
    if c.wait().at_most(WAIT).for_url(want).await.is_err() {
        panic!("expected to reach {url}, the browser is on {}", page_state(c).await);
    }
}

/// Logs in through the form and waits for the org page the app sends the user to.
pub async fn login(c: &Client, app: &TestApp, username: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    let user = wait_css(c, "#username").await;
    user.clear().await.unwrap();
    user.send_keys(username).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    wait_css(c, "#org-name").await;
}

/// A workbook written to a file the browser can upload.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn new(name: &str, bytes: &[u8]) -> TempFile {
        let dir = std::env::temp_dir().join(format!("dangjian-upload-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
