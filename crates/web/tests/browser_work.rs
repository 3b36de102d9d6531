//! End-to-end tests of the work-system pages in a real browser (the to-do
//! centre, lists and their ledgers, a task's close-out, frameworks and the
//! supervision board): Debian's Chromium, headless, driven through
//! chromedriver with fantoccini, on SQLite and, when `DANGJIAN_TEST_PG_URL`
//! is set, on PostgreSQL too.
//!
//! Data is set up through the store as the operator; the people then act in
//! the browser. See `browser.rs` for the environment variables
//! (`DANGJIAN_CHROMEDRIVER`, `DANGJIAN_CHROMIUM`, `DANGJIAN_TEST_REQUIRE_BROWSER`).
#![allow(clippy::disallowed_methods)]

mod common;

use common::browser::*;

use chrono::{Datelike, NaiveDate};
use common::TestApp;
use dangjian_domain::closeout::Action as CloseAction;
use dangjian_domain::task::ListKind;
use dangjian_store::tasks::{NewList, TaskInput};
use fantoccini::{Client, Locator};

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

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `days` from today, kept inside this year (the board counts tasks due this year).
fn this_year(days: i64) -> NaiveDate {
    let d = today() + chrono::Duration::days(days);
    let last = NaiveDate::from_ymd_opt(today().year(), 12, 31).unwrap();
    let first = NaiveDate::from_ymd_opt(today().year(), 1, 1).unwrap();
    d.clamp(first, last)
}

const LIST: &str = "2026年党建重点任务清单";
const TASK: &str = "完善支部标准化建设台账";

/// The operator's scoped handle (an admin at the root).
fn operator(app: &TestApp) -> dangjian_store::Principal {
    app.db().system(1).cli_principal()
}

/// A task list issued by ent_a, and a task for br_a due in a few days.
async fn list_and_task(app: &TestApp) -> (i64, i64) {
    let op = operator(app);
    let s = app.db().scoped(&op);
    let list = s
        .create_list(&NewList {
            org_id: app.fx.ent_a,
            kind: ListKind::Task,
            name: LIST.into(),
            year: Some(2026),
            source: "党委年度工作要点".into(),
            procedure_id: None,
            framework_id: None,
        })
        .await
        .unwrap();
    let task = s
        .create_task(
            list.id,
            &TaskInput {
                seq: "1".into(),
                category: "组织建设".into(),
                title: TASK.into(),
                measure: "逐项对照标准补齐台账资料".into(),
                org_id: app.fx.br_a,
                person: "张甲".into(),
                due_on: Some(this_year(5).to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (list.id, task.id)
}

/// Another task of the list for br_a, optionally submitted for close-out already.
async fn another_task(app: &TestApp, list: i64, title: &str, due: NaiveDate, parent: Option<i64>, submit: bool) -> i64 {
    let op = operator(app);
    let s = app.db().scoped(&op);
    let t = s
        .create_task(
            list,
            &TaskInput {
                title: title.into(),
                measure: "按要求完成".into(),
                org_id: app.fx.br_a,
                due_on: Some(due.to_string()),
                parent_id: parent,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    if submit {
        s.closeout(t.id, &CloseAction::Submit, today()).await.unwrap();
    }
    t.id
}

async fn fill(c: &Client, id: &str, text: &str) {
    let e = wait_css(c, &format!("#{id}")).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn click(c: &Client, id: &str) {
    wait_css(c, &format!("#{id}")).await.click().await.unwrap();
}

/// Uploads `file` through the ledger import form on the current list page.
async fn upload_ledger(c: &Client, file: &TempFile) {
    wait_css(c, "#ledger-file").await.send_keys(file.path()).await.unwrap();
    click(c, "ledger-import-submit").await;
}

async fn absent(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css)).await.is_err()
}

// ------------------------------------------------------------------ tests

#[tokio::test]
async fn a_secretary_reports_and_applies_then_the_committee_approves_and_it_is_closed() {
    let evidence = TempFile::new("整改报告.txt", "支部标准化建设台账已补齐。".as_bytes());
    in_browser!(b, app, {
        let c = &b.c;
        let (list, task) = list_and_task(&app).await;
        let task_url = app.url(&format!("/tasks/{task}"));

        // The secretary of the responsible branch finds the task in the to-do centre.
        login(c, &app, "sec_a").await;
        let nav = c.find(Locator::Css("#nav-todo")).await.unwrap();
        click_to(c, nav, &app.url("/todo")).await;
        expect_text(c, "#count-due-soon", "1").await;
        expect_contains(c, "section#todo-due-soon", TASK).await;
        let link = c.find(Locator::Css(&format!("#todo-due-soon a[href='/tasks/{task}']"))).await.unwrap();
        click_to(c, link, &task_url).await;
        expect_text(c, "#task-title", TASK).await;
        expect_text(c, "#task-status", "未开始").await;
        expect_contains(c, "#task-org", "熔铸一车间党支部").await;
        assert!(absent(c, "#approve-submit").await, "the secretary does not review their own task");
        assert!(absent(c, "#notice-submit").await, "nor supervise it");

        // Progress, then evidence, then the application.
        fill(c, "progress-input", "100").await;
        fill(c, "progress-note", "台账资料已补齐").await;
        click(c, "progress-submit").await;
        expect_text(c, "#flash-ok", "进度已更新。").await;
        expect_text(c, "#task-progress", "100%").await;
        expect_text(c, "#task-status", "推进中").await;
        expect_contains(c, "section#timeline", "台账资料已补齐").await;

        wait_css(c, "#evidence-file").await.send_keys(evidence.path()).await.unwrap();
        click(c, "evidence-submit").await;
        expect_text(c, "#flash-ok", "佐证材料已上传。").await;
        expect_contains(c, "#attachments", "整改报告.txt").await;

        click(c, "closeout-submit").await;
        expect_text(c, "#flash-ok", "已提交销号申请，等待审核。").await;
        expect_text(c, "#task-status", "销号审核中").await;
        expect_text(c, "#current-step", "上级党组织审核").await;
        assert!(absent(c, "#closeout-submit").await, "no second application while under review");
        assert!(absent(c, "#approve-submit").await);

        // The committee staff above (ent_a covers gb_a, the branch's parent) approve the step.
        c.delete_all_cookies().await.unwrap();
        login(c, &app, "staff_a").await;
        c.goto(&app.url("/todo")).await.unwrap();
        expect_text(c, "#count-approvals", "1").await;
        expect_contains(c, "section#todo-approvals", TASK).await;
        expect_contains(c, "section#todo-approvals", "上级党组织审核").await;
        let link = c.find(Locator::Css(&format!("#todo-approvals a[href='/tasks/{task}']"))).await.unwrap();
        click_to(c, link, &task_url).await;
        expect_text(c, "#current-step", "上级党组织审核").await;
        assert!(absent(c, "#progress-submit").await, "the reviewer does not report progress");
        click(c, "approve-submit").await;
        expect_text(c, "#flash-ok", "已审核通过。").await;
        expect_text(c, "#task-status", "已销号").await;
        wait_css(c, "#closed-note").await;
        expect_contains(c, "section#timeline", "审核通过").await;
        assert!(absent(c, "#approve-submit").await);

        // The ledger shows it closed, at 100%.
        c.goto(&app.url(&format!("/lists/{list}"))).await.unwrap();
        expect_text(c, "#list-title", LIST).await;
        expect_contains(c, &format!("tr#task-row-{task}"), "已销号").await;
        expect_contains(c, &format!("tr#task-row-{task}"), "100%").await;
        expect_contains(c, &format!("tr#task-row-{task}"), "熔铸一车间党支部").await;

        // The board of ent_a counts it, and drills down to gb_a.
        c.goto(&app.url(&format!("/orgs/{}", app.fx.ent_a))).await.unwrap();
        let link = wait_css(c, &format!("#work-links a[href='/orgs/{}/board']", app.fx.ent_a)).await;
        click_to(c, link, &app.url(&format!("/orgs/{}/board", app.fx.ent_a))).await;
        expect_text(c, "#fig-total", "1").await;
        expect_text(c, "#fig-closed", "1").await;
        expect_text(c, "#fig-on-time", "1").await;
        expect_text(c, "#fig-overdue", "0").await;
        expect_text(c, "#fig-rate", "100%").await;
        expect_contains(c, "table#by-list", "任务清单").await;
        let down = wait_css(c, &format!("#board-row-{} a", app.fx.gb_a)).await;
        click_to(c, down, &app.url(&format!("/orgs/{}/board", app.fx.gb_a))).await;
        expect_text(c, "#board-org", "甲公司熔铸厂党总支").await;
        expect_text(c, "#fig-total", "1").await;
    });
}

#[tokio::test]
async fn a_stale_approval_is_refused_a_return_keeps_its_reason_and_notices_are_answered() {
    in_browser!(b, app, {
        let c = &b.c;
        let (list, _) = list_and_task(&app).await;
        let stale = another_task(&app, list, "规范“三会一课”记录", this_year(10), None, true).await;
        let returned = another_task(&app, list, "补充发展党员档案材料", this_year(10), None, true).await;
        let supervised = another_task(&app, list, "整改主题党日活动不规范问题", this_year(20), None, false).await;

        login(c, &app, "staff_a").await;
        // Two reviewers saw step 0; the other one (the operator) approves first.
        c.goto(&app.url(&format!("/tasks/{stale}"))).await.unwrap();
        wait_css(c, "#approve-submit").await;
        let op = operator(&app);
        app.db()
            .scoped(&op)
            .closeout(stale, &CloseAction::Approve { step: 0, evidence_count: 0 }, today())
            .await
            .unwrap();
        click(c, "approve-submit").await;
        expect_contains(c, "#problem", "此步骤刚刚已由他人处理，请刷新后查看最新状态").await;
        let code = c.find(Locator::Id("problem")).await.unwrap().attr("data-code").await.unwrap();
        assert_eq!(code.as_deref(), Some("step_taken"));
        expect_text(c, "#task-status", "已销号").await;

        // A return needs a reason, and the reason stays visible.
        c.goto(&app.url(&format!("/tasks/{returned}"))).await.unwrap();
        fill(c, "return-reason", "佐证材料不全，请补充会议记录").await;
        click(c, "return-submit").await;
        expect_text(c, "#flash-ok", "已退回，责任单位将重新整改。").await;
        expect_text(c, "#task-status", "推进中").await;
        wait_css(c, "#task-returned").await;
        expect_contains(c, "section#timeline", "退回原因：佐证材料不全，请补充会议记录").await;

        // A supervision notice from above …
        c.goto(&app.url(&format!("/tasks/{supervised}"))).await.unwrap();
        fill(c, "notice-note", "请于本周内报告整改进展").await;
        click(c, "notice-submit").await;
        expect_text(c, "#flash-ok", "督办单已下发。").await;
        expect_contains(c, "section#notices", "请于本周内报告整改进展").await;
        expect_contains(c, "section#notices", "等待责任单位反馈。").await;

        // … is answered by the branch from its to-do centre.
        c.delete_all_cookies().await.unwrap();
        login(c, &app, "sec_a").await;
        c.goto(&app.url("/todo")).await.unwrap();
        expect_text(c, "#count-notices", "1").await;
        expect_contains(c, "section#todo-notices", "整改主题党日活动不规范问题").await;
        let answer = wait_css(c, "#todo-notices textarea[name='response']").await;
        answer.send_keys("已制定整改方案，下周完成").await.unwrap();
        c.find(Locator::Css("#todo-notices button[type='submit']")).await.unwrap().click().await.unwrap();
        expect_text(c, "#flash-ok", "督办反馈已提交。").await;
        expect_text(c, "#count-notices", "0").await;
        c.goto(&app.url(&format!("/tasks/{supervised}"))).await.unwrap();
        expect_contains(c, "section#notices", "已制定整改方案，下周完成").await;

        // The returned task is the branch's to work again.
        c.goto(&app.url(&format!("/tasks/{returned}"))).await.unwrap();
        wait_css(c, "#closeout-submit").await;
        expect_contains(c, "section#timeline", "佐证材料不全").await;
    });
}

#[tokio::test]
async fn the_ledger_filters_and_rolls_up_and_lists_are_created_in_the_browser() {
    let row = |problem: &str, measure: &str, org: &str| dangjian_excel::LedgerExportRow {
        seq: None,
        category: Some("组织建设".into()),
        problem: problem.into(),
        measure: measure.into(),
        responsible_org: org.into(),
        responsible_person: Some("张甲".into()),
        leading_leader: None,
        cooperating_orgs: vec![],
        due_on: this_year(20),
        target: None,
        note: None,
        status: String::new(),
        progress: None,
        closed_on: None,
    };
    let bad_ledger = TempFile::new(
        "台账-有错.xlsx",
        &dangjian_excel::export_ledger(
            "台账",
            &[row("问题一", "整改措施一", "熔铸一车间党支部"), row("问题二", "整改措施二", "不存在的支部")],
        ),
    );
    let good_ledger = TempFile::new(
        "台账.xlsx",
        &dangjian_excel::export_ledger(
            "台账",
            &[
                row("问题一", "整改措施一", "熔铸一车间党支部"),
                row("问题二", "整改措施二", "甲公司熔铸厂党总支/熔铸一车间党支部"),
            ],
        ),
    );
    in_browser!(b, app, {
        let c = &b.c;
        let (list, task) = list_and_task(&app).await;
        // A parent with two children: one done (closed through the store), one half way.
        let parent = another_task(&app, list, "年度组织建设重点任务", this_year(30), None, false).await;
        let done = another_task(&app, list, "子项一：完成换届", this_year(30), Some(parent), true).await;
        let half = another_task(&app, list, "子项二：培训支部委员", this_year(30), Some(parent), false).await;
        let late = another_task(&app, list, "超期未完成的任务", today() - chrono::Duration::days(3), None, false).await;
        {
            let op = operator(&app);
            let s = app.db().scoped(&op);
            s.closeout(done, &CloseAction::Approve { step: 0, evidence_count: 0 }, today()).await.unwrap();
            s.report_progress(half, 50.0, "").await.unwrap();
        }

        login(c, &app, "staff_a").await;
        c.goto(&app.url(&format!("/orgs/{}", app.fx.ent_a))).await.unwrap();
        let link = wait_css(c, &format!("#work-links a[href='/orgs/{}/lists']", app.fx.ent_a)).await;
        click_to(c, link, &app.url(&format!("/orgs/{}/lists", app.fx.ent_a))).await;
        expect_contains(c, "table#lists", LIST).await;
        expect_contains(c, "table#lists", "任务清单").await;
        let open = c.find(Locator::LinkText(LIST)).await.unwrap();
        click_to(c, open, &app.url(&format!("/lists/{list}"))).await;

        expect_text(c, "#ledger-count", "显示 5 项，共 5 项").await;
        // The parent shows its children's weighted progress: (100 + 50) / 2.
        expect_contains(c, &format!("tr#task-row-{parent}"), "75%").await;
        let style = c
            .find(Locator::Css(&format!("tr#task-row-{half} .indent")))
            .await
            .unwrap()
            .attr("style")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(style.contains("--d: 1"), "a child is indented under its parent: {style}");
        let class = c.find(Locator::Css(&format!("tr#task-row-{late}"))).await.unwrap().attr("class").await.unwrap();
        assert!(class.unwrap_or_default().contains("overdue"), "the overdue row is highlighted");

        // Overdue only.
        click(c, "filter-overdue").await;
        click(c, "filter-submit").await;
        expect_text(c, "#ledger-count", "显示 1 项，共 5 项").await;
        wait_css(c, &format!("tr#task-row-{late}")).await;
        assert!(absent(c, &format!("tr#task-row-{task}")).await);
        // By status.
        c.goto(&app.url(&format!("/lists/{list}?status=closed"))).await.unwrap();
        expect_text(c, "#ledger-count", "显示 1 项，共 5 项").await;
        wait_css(c, &format!("tr#task-row-{done}")).await;
        // By responsible org, as text.
        c.goto(&app.url(&format!(
            "/lists/{list}?org={}",
            url::form_urlencoded::byte_serialize("乙公司".as_bytes()).collect::<String>()
        )))
        .await
        .unwrap();
        expect_text(c, "#ledger-empty", "没有符合条件的任务。").await;

        // Add a task through the form: missing title first, then right.
        c.goto(&app.url(&format!("/lists/{list}"))).await.unwrap();
        c.execute("document.getElementById('task-title-input').removeAttribute('required')", vec![]).await.unwrap();
        click(c, "task-submit").await;
        expect_contains(c, "#problem", "任务（问题）").await;
        expect_contains(c, "#problem", "必填项不能为空").await;
        fill(c, "task-title-input", "新增：开展支部书记述职").await;
        fill(c, "task-person", "李四").await;
        c.find(Locator::Css(&format!("#task-org option[value='{}']", app.fx.br_a)))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click(c, "task-submit").await;
        expect_text(c, "#flash-ok", "任务已添加。").await;
        expect_text(c, "#ledger-count", "显示 6 项，共 6 项").await;
        expect_contains(c, "table#ledger", "新增：开展支部书记述职").await;

        // A new list through the form lands on its (empty) ledger.
        c.goto(&app.url(&format!("/orgs/{}/lists", app.fx.ent_a))).await.unwrap();
        c.find(Locator::Css("#list-kind option[value='rectification']")).await.unwrap().click().await.unwrap();
        fill(c, "list-name", "巡察反馈问题整改台账").await;
        fill(c, "list-source", "集团党委巡察").await;
        click(c, "list-submit").await;
        expect_text(c, "#flash-ok", "清单已创建。").await;
        expect_text(c, "#list-title", "巡察反馈问题整改台账").await;
        expect_contains(c, "p.meta", "整改台账").await;
        expect_text(c, "#ledger-empty", "清单中还没有任务。").await;
        wait_css(c, "a#ledger-template").await;
        let new_list: i64 = c.current_url().await.unwrap().path().rsplit('/').next().unwrap().parse().unwrap();

        // A ledger with one bad row is refused whole, with the row, column and reason.
        upload_ledger(c, &bad_ledger).await;
        expect_contains(c, "#import-failed", "所有数据均未保存").await;
        let mut cells = vec![];
        for td in c.find_all(Locator::Css("#row-errors tbody td")).await.unwrap() {
            cells.push(td.text().await.unwrap());
        }
        // Row 1 is the title, row 2 the headers: the second item is row 4.
        assert_eq!(cells[0], "4", "the second item is wrong: {cells:?}");
        assert_eq!(cells[1], "责任单位");
        assert_eq!(cells[2], "找不到该组织，或不在本次导入的组织范围内");
        assert_eq!(cells[3], "不存在的支部");
        expect_text(c, "#ledger-empty", "清单中还没有任务。").await;
        // A good one is imported.
        upload_ledger(c, &good_ledger).await;
        expect_text(c, "#import-ok", "导入成功：共 2 行，新增 2 项任务。").await;
        expect_text(c, "#ledger-count", "显示 2 项，共 2 项").await;
        expect_contains(c, "table#ledger", "整改措施二").await;

        // The export and the template download as workbooks.
        let (http, _) = app.login("staff_a").await;
        for path in [format!("/lists/{new_list}/export.xlsx"), "/ledger/template.xlsx".to_string()] {
            let r = http.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            assert!(ct.contains("spreadsheetml"), "{path}: {ct}");
        }
    });
}

#[tokio::test]
async fn a_framework_from_a_template_is_edited_copied_and_compared() {
    in_browser!(b, app, {
        let c = &b.c;
        login(c, &app, "staff_a").await;
        let link = wait_css(c, &format!("#work-links a[href='/orgs/{}/frameworks']", app.fx.ent_a)).await;
        click_to(c, link, &app.url(&format!("/orgs/{}/frameworks", app.fx.ent_a))).await;
        expect_text(c, "#frameworks-empty", "还没有适用的工作体系。").await;

        c.find(Locator::Css("#fw-template option[value='1234n']")).await.unwrap().click().await.unwrap();
        fill(c, "fw-year", "2026").await;
        click(c, "fw-submit").await;
        expect_text(c, "#flash-ok", "工作体系已创建。").await;
        expect_text(c, "#fw-year", "2026").await;
        expect_contains(c, "#fw-title", "1234N").await;
        let elements = c.find_all(Locator::Css("#element-tree li.element")).await.unwrap();
        assert!(elements.len() > 3, "the template's elements are shown: {}", elements.len());
        expect_contains(c, "#element-tree", "待填写").await;
        expect_contains(c, "section#general", "“第一议题”制度").await;

        // Add an element at the top level.
        fill(c, "element-name", "新增要素：数字党建").await;
        click(c, "element-submit").await;
        expect_text(c, "#flash-ok", "要素已添加。").await;
        expect_contains(c, "#element-tree", "新增要素：数字党建").await;
        let fw_url = c.current_url().await.unwrap();
        let fw_id: i64 = fw_url.path().rsplit('/').next().unwrap().parse().unwrap();

        // Copy into 2027, then compare with 2026: the same elements.
        fill(c, "copy-year", "2027").await;
        click(c, "copy-submit").await;
        expect_text(c, "#flash-ok", "已复制为新年度版本，可在此基础上修改。").await;
        expect_text(c, "#fw-year", "2027").await;
        c.find(Locator::Css(&format!("#compare-select option[value='{fw_id}']"))).await.unwrap().click().await.unwrap();
        click(c, "compare-submit").await;
        expect_text(c, "#diff-none", "两个版本的要素完全相同。").await;

        // Change the new element's weight in 2027: the comparison shows it.
        let edit = c
            .find(Locator::XPath(
                "//li[contains(@class,'element')][.//strong[normalize-space(.)='新增要素：数字党建']]",
            ))
            .await
            .unwrap();
        edit.find(Locator::Css("summary")).await.unwrap().click().await.unwrap();
        let weight = edit.find(Locator::Css("input[name='weight']")).await.unwrap();
        weight.clear().await.unwrap();
        weight.send_keys("3").await.unwrap();
        edit.find(Locator::Css("button[type='submit']")).await.unwrap().click().await.unwrap();
        expect_text(c, "#flash-ok", "要素已保存。").await;
        c.find(Locator::Css(&format!("#compare-select option[value='{fw_id}']"))).await.unwrap().click().await.unwrap();
        click(c, "compare-submit").await;
        expect_contains(c, "table#diff", "新增要素：数字党建").await;
        expect_contains(c, "table#diff", "修改").await;
        expect_contains(c, "table#diff", "权重 3").await;

        // Both versions apply to the branch below.
        c.goto(&app.url(&format!("/orgs/{}/frameworks", app.fx.br_a))).await.unwrap();
        expect_contains(c, "table#frameworks", "2026").await;
        expect_contains(c, "table#frameworks", "2027").await;
    });
}

#[tokio::test]
async fn work_pages_fit_a_phone_screen() {
    in_browser!(b, app, {
        let c = &b.c;
        let (list, task) = list_and_task(&app).await;
        let parent = another_task(
            &app,
            list,
            "年度组织建设重点任务（名称较长，用于检查手机屏幕上的换行效果）",
            this_year(30),
            None,
            false,
        )
        .await;
        another_task(&app, list, "子项一", this_year(30), Some(parent), true).await;
        another_task(&app, list, "超期未完成的任务", today() - chrono::Duration::days(3), None, false).await;
        let op = operator(&app);
        let fw = app
            .db()
            .scoped(&op)
            .create_framework_from_template(app.fx.ent_a, "sqiang_liangchuang", 2026)
            .await
            .unwrap();
        c.set_window_size(390, 844).await.unwrap();
        login(c, &app, "staff_a").await;
        let pages = [
            "/todo".to_string(),
            format!("/orgs/{}/lists", app.fx.ent_a),
            format!("/lists/{list}"),
            format!("/tasks/{task}"),
            format!("/tasks/{parent}"),
            format!("/orgs/{}/frameworks", app.fx.ent_a),
            format!("/frameworks/{}", fw.id),
            format!("/orgs/{}/board", app.fx.ent_a),
            format!("/orgs/{}", app.fx.ent_a),
        ];
        for path in &pages {
            c.goto(&app.url(path)).await.unwrap();
            wait_css(c, "main h1").await;
            assert_fits(c, path).await;
        }
        // English too.
        c.goto(&app.url("/lang/en")).await.unwrap();
        c.goto(&app.url(&format!("/tasks/{task}"))).await.unwrap();
        expect_contains(c, "section#closeout", "Close-out").await;
        expect_text(c, "#task-status", "Not started").await;
        assert_fits(c, "the task page in English").await;
    });
}
