//! End-to-end tests of the server-rendered pages in a real browser: Debian's
//! Chromium, headless, driven through chromedriver with fantoccini.
//!
//! Each test starts its own chromedriver (on a free port) and Chromium (with a
//! fresh profile), then runs its body against the app on SQLite, and on
//! PostgreSQL too when `DANGJIAN_TEST_PG_URL` is set.
//!
//! `DANGJIAN_CHROMEDRIVER` names the chromedriver binary and
//! `DANGJIAN_CHROMIUM` the browser (default `/usr/bin/chromium`). Without
//! `DANGJIAN_CHROMEDRIVER` the tests are skipped, unless
//! `DANGJIAN_TEST_REQUIRE_BROWSER=1` (as `scripts/test.sh` sets), which fails them.
#![allow(clippy::disallowed_methods)]

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{workbook, TestApp, PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// How long any one wait for the page may take.
const WAIT: Duration = Duration::from_secs(15);

// ------------------------------------------------------------------ the browser

/// Owns the chromedriver process (and, through it, Chromium) and the profile
/// directory: dropping it kills them and removes the directory, also when a
/// test panics.
struct DriverGuard {
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

struct Browser {
    c: Client,
    _guard: DriverGuard,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// A headless Chromium session, or `None` (the test is skipped) when no
    /// chromedriver is configured and a browser is not required.
    async fn start() -> Option<Browser> {
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
    async fn close(self) {
        let Browser { c, _guard } = self;
        let _ = c.close().await;
    }
}

fn rand_suffix() -> u32 {
    rand::random()
}

/// Runs `body` with the browser once per available backend, each on a fresh
/// app and with the browser's cookies cleared.
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
fn lit(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}

async fn page_state(c: &Client) -> String {
    let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
    let title = c.title().await.unwrap_or_default();
    format!("{url} (title {title:?})")
}

/// Waits for the element matching `css` and returns it.
async fn wait_css(c: &Client, css: &str) -> fantoccini::elements::Element {
    match c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => panic!("no {css} on {}: {e}", page_state(c).await),
    }
}

/// Waits until the element `css` has exactly the text `want` (whitespace
/// normalised); on time-out, panics with what it shows instead.
async fn expect_text(c: &Client, css: &str, want: &str) {
    expect_text_by(c, css, want, &format!("normalize-space(.)={}", lit(want))).await
}

/// Waits until the element `css` contains the text `want`.
async fn expect_contains(c: &Client, css: &str, want: &str) {
    expect_text_by(c, css, want, &format!("contains(normalize-space(.), {})", lit(want))).await
}

/// Waits for an element `css` that also satisfies the XPath `predicate`.
async fn expect_text_by(c: &Client, css: &str, want: &str, predicate: &str) {
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
fn css_to_xpath(css: &str) -> String {
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
async fn click_to(c: &Client, el: fantoccini::elements::Element, url: &str) {
    el.click().await.unwrap();
    let want = url::Url::parse(url).unwrap();
    if c.wait().at_most(WAIT).for_url(want).await.is_err() {
        panic!("expected to reach {url}, the browser is on {}", page_state(c).await);
    }
}

/// Logs in through the form and waits for the org page the app sends the user to.
async fn login(c: &Client, app: &TestApp, username: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    let user = wait_css(c, "#username").await;
    user.clear().await.unwrap();
    user.send_keys(username).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    wait_css(c, "#org-name").await;
}

async fn html_lang(c: &Client) -> String {
    c.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap().unwrap_or_default()
}

/// Texts of the breadcrumb's links (the ancestors; the org itself is the heading).
async fn crumbs(c: &Client) -> Vec<String> {
    let mut out = vec![];
    for a in c.find_all(Locator::Css("nav.crumbs a")).await.unwrap() {
        out.push(a.text().await.unwrap());
    }
    out
}

/// The link in `#children` whose text is `name`.
async fn child_link(c: &Client, name: &str) -> fantoccini::elements::Element {
    let xpath = format!("//ul[@id='children']/li/a[normalize-space(.)={}]", lit(name));
    match c.wait().at_most(WAIT).for_element(Locator::XPath(&xpath)).await {
        Ok(e) => e,
        Err(_) => panic!("no child {name:?} in #children on {}", page_state(c).await),
    }
}

/// A workbook written to a file the browser can upload.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        let dir = std::env::temp_dir().join(format!("dangjian-upload-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
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

fn row<'a>(name: &'a str, id: &'a str, branch: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("姓名", name),
        ("身份证号码", id),
        ("政治面貌", "正式党员"),
        ("所在党支部", branch),
        ("入党日期", "2010-07-01"),
        ("转正日期", "2011-07-01"),
    ]
}

async fn people_in_db(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM people").fetch_one(app.db().pool()).await.unwrap()
}

/// Uploads `file` through the import form on the current page.
async fn upload(c: &Client, file: &TempFile) {
    let input = wait_css(c, "#import-file").await;
    input.send_keys(file.path()).await.unwrap();
    c.find(Locator::Id("import-submit")).await.unwrap().click().await.unwrap();
}

// ------------------------------------------------------------------ tests

#[tokio::test]
async fn login_form_rejects_a_wrong_password_then_logs_in() {
    in_browser!(b, app, {
        let c = &b.c;
        c.goto(&app.url("/login")).await.unwrap();
        wait_css(c, "#username").await;
        assert_eq!(html_lang(c).await, "zh-CN", "Chinese by default");
        assert!(c.find(Locator::Id("login-error")).await.is_err(), "no error before a try");

        c.find(Locator::Id("username")).await.unwrap().send_keys("admin2").await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys("not-the-password").await.unwrap();
        c.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
        expect_text(c, "#login-error", "用户名或密码错误").await;
        assert!(c.find(Locator::Id("login-error")).await.unwrap().is_displayed().await.unwrap());
        assert_eq!(c.current_url().await.unwrap().path(), "/login");
        // The username is kept, the password is not.
        assert_eq!(
            c.find(Locator::Id("username")).await.unwrap().prop("value").await.unwrap().as_deref(),
            Some("admin2")
        );
        assert_eq!(c.find(Locator::Id("password")).await.unwrap().prop("value").await.unwrap().as_deref(), Some(""));

        // The right password: the admin lands on the (single) root.
        c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        c.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
        let name = wait_css(c, "#org-name").await;
        assert!(name.is_displayed().await.unwrap());
        expect_text(c, "#org-name", "测试集团党委").await;
        assert_eq!(c.current_url().await.unwrap().path(), format!("/orgs/{}", app.fx.root));
        expect_contains(c, "nav#main-nav", "退出登录 (admin2)").await;

        // Committee staff land on their own enterprise.
        c.delete_all_cookies().await.unwrap();
        login(c, &app, "staff_a").await;
        expect_text(c, "#org-name", "甲公司党委").await;
        assert_eq!(c.current_url().await.unwrap().path(), format!("/orgs/{}", app.fx.ent_a));
    });
}

#[tokio::test]
async fn navigating_the_tree_shows_each_org_and_its_ancestors() {
    in_browser!(b, app, {
        let c = &b.c;
        login(c, &app, "admin2").await;

        // /orgs: a list of roots, or straight into the only one.
        c.goto(&app.url("/orgs")).await.unwrap();
        let root_url = app.url(&format!("/orgs/{}", app.fx.root));
        if let Ok(list) = c.find(Locator::Id("roots")).await {
            let link = list.find(Locator::LinkText("测试集团党委")).await.unwrap();
            click_to(c, link, &root_url).await;
        } else {
            assert_eq!(c.current_url().await.unwrap().as_str(), root_url, "the only root");
        }
        expect_text(c, "#org-name", "测试集团党委").await;
        assert_eq!(crumbs(c).await, Vec::<String>::new(), "a root has no ancestors");
        expect_contains(c, "ul#children", "乙公司党委").await;

        let link = child_link(c, "甲公司党委").await;
        click_to(c, link, &app.url(&format!("/orgs/{}", app.fx.ent_a))).await;
        expect_text(c, "#org-name", "甲公司党委").await;
        assert_eq!(crumbs(c).await, ["测试集团党委"]);

        let link = child_link(c, "甲公司熔铸厂党总支").await;
        click_to(c, link, &app.url(&format!("/orgs/{}", app.fx.gb_a))).await;
        expect_text(c, "#org-name", "甲公司熔铸厂党总支").await;
        assert_eq!(crumbs(c).await, ["测试集团党委", "甲公司党委"]);

        let link = child_link(c, "熔铸一车间党支部").await;
        click_to(c, link, &app.url(&format!("/orgs/{}", app.fx.br_a))).await;
        expect_text(c, "#org-name", "熔铸一车间党支部").await;
        assert_eq!(crumbs(c).await, ["测试集团党委", "甲公司党委", "甲公司熔铸厂党总支"]);
        expect_text(c, "#people-count", "1").await;

        // A breadcrumb link goes back up.
        let up = c.find(Locator::LinkText("甲公司党委")).await.unwrap();
        click_to(c, up, &app.url(&format!("/orgs/{}", app.fx.ent_a))).await;
        expect_text(c, "#org-name", "甲公司党委").await;
    });
}

#[tokio::test]
async fn a_failed_import_lists_its_row_errors_and_stores_nothing() {
    let bad = TempFile::new(
        "名册-有错.xlsx",
        &workbook(&[
            row("赵一", "11010519491231002X", "熔铸一车间党支部"),
            row("钱二", "110105194912310021", "熔铸一车间党支部"),
        ]),
    );
    let good = TempFile::new(
        "名册.xlsx",
        &workbook(&[
            row("赵一", "11010519491231002X", "熔铸一车间党支部"),
            row("孙三", "440524188001010014", "甲公司熔铸厂党总支/熔铸一车间党支部"),
        ]),
    );
    in_browser!(b, app, {
        let c = &b.c;
        login(c, &app, "staff_a").await;
        let import_url = app.url(&format!("/orgs/{}/import", app.fx.ent_a));
        let roster_url = app.url(&format!("/orgs/{}/roster", app.fx.ent_a));
        // The org page links to the import page.
        let link = c.find(Locator::Css(&format!("a[href='/orgs/{}/import']", app.fx.ent_a))).await.unwrap();
        click_to(c, link, &import_url).await;
        let before = people_in_db(&app).await;

        upload(c, &bad).await;
        let failed = wait_css(c, "#import-failed").await;
        assert!(failed.is_displayed().await.unwrap());
        expect_contains(c, "#import-failed", "所有数据均未保存").await;
        assert!(c.find(Locator::Id("import-ok")).await.is_err());
        let mut rows = vec![];
        for tr in c.find_all(Locator::Css("#row-errors tbody tr")).await.unwrap() {
            let mut cells = vec![];
            for td in tr.find_all(Locator::Css("td")).await.unwrap() {
                cells.push(td.text().await.unwrap());
            }
            rows.push(cells);
        }
        assert_eq!(
            rows,
            [["3", "身份证号码", "身份证号码校验位错误", "1101**********0021"]],
            "only row 3 is wrong, and it says why (with the number masked)"
        );
        assert!(!c.source().await.unwrap().contains("110105194912310021"), "no full ID number on the page");

        // Nothing was stored: not the good row 2 either.
        assert_eq!(people_in_db(&app).await, before);
        c.goto(&roster_url).await.unwrap();
        expect_text(c, "#roster-total", "第 1 / 1 页，共 1 条").await;
        assert!(c.find(Locator::LinkText("赵一")).await.is_err(), "row 2 was not stored");

        // A valid file imports.
        c.goto(&import_url).await.unwrap();
        upload(c, &good).await;
        expect_text(c, "#import-ok", "导入成功：共 2 行，新增 2 人，更新 0 人。").await;
        assert!(c.find(Locator::Id("import-failed")).await.is_err());
        assert_eq!(people_in_db(&app).await, before + 2);
        c.goto(&roster_url).await.unwrap();
        expect_text(c, "#roster-total", "第 1 / 1 页，共 3 条").await;
        for name in ["张甲", "赵一", "孙三"] {
            c.find(Locator::LinkText(name)).await.unwrap_or_else(|_| panic!("{name} in the roster"));
        }
    });
}

#[tokio::test]
async fn the_language_switch_changes_the_ui_and_is_remembered() {
    in_browser!(b, app, {
        let c = &b.c;
        login(c, &app, "admin2").await;
        let org_url = app.url(&format!("/orgs/{}", app.fx.ent_a));
        c.goto(&org_url).await.unwrap();
        expect_text(c, "#lang-switch", "English").await;
        assert_eq!(html_lang(c).await, "zh-CN");
        expect_contains(c, "nav#main-nav", "退出登录").await;
        expect_contains(c, "section#holders", "班子成员").await;

        // To English, back on the same page.
        c.find(Locator::Id("lang-switch")).await.unwrap().click().await.unwrap();
        expect_text(c, "#lang-switch", "中文").await;
        assert_eq!(c.current_url().await.unwrap().as_str(), org_url, "back where the user was");
        assert_eq!(html_lang(c).await, "en");
        expect_contains(c, "nav#main-nav", "Log out (admin2)").await;
        expect_contains(c, "nav#main-nav", "Organizations").await;
        expect_contains(c, "section#holders", "Office holders").await;
        expect_text(c, "#org-name", "甲公司党委").await; // data is not translated
        assert!(c.title().await.unwrap().ends_with("Party-Building Work Platform"));

        // It sticks on the next page.
        let roster_url = app.url(&format!("/orgs/{}/roster", app.fx.ent_a));
        let link = c.find(Locator::Css(&format!("a[href='/orgs/{}/roster']", app.fx.ent_a))).await.unwrap();
        click_to(c, link, &roster_url).await;
        expect_contains(c, "h1", "Roster").await;
        expect_text(c, "#roster-total", "Page 1 of 1, 1 in all").await;
        assert_eq!(html_lang(c).await, "en");

        // And back to Chinese.
        c.find(Locator::Id("lang-switch")).await.unwrap().click().await.unwrap();
        expect_text(c, "#lang-switch", "English").await;
        assert_eq!(c.current_url().await.unwrap().as_str(), roster_url);
        assert_eq!(html_lang(c).await, "zh-CN");
        expect_contains(c, "h1", "人员名册").await;
        expect_text(c, "#roster-total", "第 1 / 1 页，共 1 条").await;
        expect_contains(c, "nav#main-nav", "退出登录 (admin2)").await;
        c.goto(&org_url).await.unwrap();
        expect_contains(c, "section#holders", "班子成员").await;
    });
}

/// Fails when the page is wider than the screen: the document may not be
/// wider than the window (nor than its visible width, less a scroll bar).
async fn assert_fits(c: &Client, what: &str) {
    let v = c
        .execute(
            "const d = document.documentElement; \
             return [d.scrollWidth, document.body.scrollWidth, d.clientWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let n = |i: usize| v[i].as_f64().unwrap();
    let (doc, body, client, inner) = (n(0), n(1), n(2), n(3));
    assert!(inner <= 400.0, "the window is phone-sized on {what}: innerWidth {inner}");
    assert!(
        doc <= inner + 1.0 && doc <= client + 1.0 && body <= client + 1.0,
        "{what} overflows a phone screen: scrollWidth {doc} (body {body}), visible width {client}, innerWidth {inner}"
    );
}

#[tokio::test]
async fn pages_fit_a_phone_screen() {
    let bad = TempFile::new(
        "名册-有错.xlsx",
        &workbook(&[
            row("赵一", "11010519491231002X", "熔铸一车间党支部"),
            row("钱二", "110105194912310021", "熔铸一车间党支部"),
            // A long value with no place to break a line.
            vec![
                ("姓名", "孙三"),
                ("身份证号码", "440524188001010014"),
                ("政治面貌", "正式党员"),
                ("所在党支部", "熔铸一车间党支部"),
                ("入党日期", "2010070120100701201007012010070120100701201007012010070120100701"),
            ],
        ]),
    );
    in_browser!(b, app, {
        let c = &b.c;
        c.set_window_size(390, 844).await.unwrap();
        login(c, &app, "admin2").await;
        let pages = [
            format!("/orgs/{}", app.fx.root),
            format!("/orgs/{}", app.fx.br_a),
            format!("/orgs/{}/roster", app.fx.root),
            format!("/orgs/{}/import", app.fx.ent_a),
            format!("/people/{}", app.fx.person_a),
        ];
        for path in &pages {
            c.goto(&app.url(path)).await.unwrap();
            wait_css(c, "main h1").await;
            assert_fits(c, path).await;
        }

        // The roster hides its less important columns on a phone.
        c.goto(&app.url(&format!("/orgs/{}/roster", app.fx.root))).await.unwrap();
        wait_css(c, "table#roster").await;
        let hidden = c.find(Locator::Css("table#roster th.hide-sm")).await.unwrap();
        assert!(!hidden.is_displayed().await.unwrap(), "the ID number column is hidden on a phone");

        // A failed import's error table scrolls inside its box, not the page.
        c.goto(&app.url(&format!("/orgs/{}/import", app.fx.ent_a))).await.unwrap();
        upload(c, &bad).await;
        wait_css(c, "#row-errors").await;
        expect_contains(c, "#row-errors", "入党日期").await;
        assert_fits(c, "the import page with row errors").await;
    });
}
