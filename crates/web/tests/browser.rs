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

use common::browser::*;

use common::{workbook, TestApp, PASSWORD};
use fantoccini::{Client, Locator};

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
