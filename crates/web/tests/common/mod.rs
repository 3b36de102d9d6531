//! `TestApp`: the real router on a real database (SQLite or PostgreSQL),
//! served on a loopback port and spoken to over HTTP.
#![allow(dead_code, clippy::disallowed_methods)]

pub mod browser;

use chrono::NaiveDate;
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Role;
use dangjian_store::orgs::NewOrg;
use dangjian_store::people::PersonInput;
use dangjian_store::testing::TestDb;
use dangjian_store::Backend;

pub const PASSWORD: &str = "test-password-1";

/// A small tree with two sibling enterprises, used by most tests:
///
/// ```text
/// root (committee)
/// ├── ent_a (committee)            ← staff_a: committee_staff
/// │   └── gb_a (general_branch)
/// │       └── br_a (branch)        ← sec_a: branch_secretary
/// │           └── cell_a (cell)
/// └── ent_b (committee)
///     └── br_b (branch)
/// ```
/// `member_a` is a member registered in br_a with the `member` role.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub root: i64,
    pub ent_a: i64,
    pub gb_a: i64,
    pub br_a: i64,
    pub cell_a: i64,
    pub ent_b: i64,
    pub br_b: i64,
    pub person_a: i64,
    pub person_b: i64,
}

pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    pub fx: Fixture,
    pub tdb: Option<TestDb>,
    server: tokio::task::JoinHandle<()>,
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

impl TestApp {
    /// Spawns the app on `backend` with the fixture, or `None` when that
    /// backend is unavailable (PostgreSQL without `DANGJIAN_TEST_PG_URL`).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        let tdb = TestDb::new(backend).await?;
        let db = tdb.db.clone();
        let sys = db.system(1);
        let admin = sys.cli_principal();
        let s = db.scoped(&admin);
        let root = sys.create_root(OrgKind::Committee, "测试集团党委", d("2000-01-01")).await.unwrap().id;
        let mk = |parent: i64, kind: OrgKind, name: &str| NewOrg {
            parent_id: parent,
            kind,
            name: name.into(),
            established_on: d("2005-01-01"),
            doc_no: "测试〔2005〕1号".into(),
            overseas: false,
        };
        let ent_a = s.establish(mk(root, OrgKind::Committee, "甲公司党委")).await.unwrap().id;
        let gb_a = s.establish(mk(ent_a, OrgKind::GeneralBranch, "甲公司熔铸厂党总支")).await.unwrap().id;
        let br_a = s.establish(mk(gb_a, OrgKind::Branch, "熔铸一车间党支部")).await.unwrap().id;
        let cell_a = s.establish(mk(br_a, OrgKind::Cell, "第一党小组")).await.unwrap().id;
        let ent_b = s.establish(mk(root, OrgKind::Committee, "乙公司党委")).await.unwrap().id;
        let br_b = s.establish(mk(ent_b, OrgKind::Branch, "乙公司机关党支部")).await.unwrap().id;
        let person = |org: i64, name: &str, id: &str| PersonInput {
            org_id: org,
            name: name.into(),
            id_number: id.into(),
            phone: Some("13800001111".into()),
            status: "full".into(),
            probationary_on: Some("2015-07-01".into()),
            full_on: Some("2016-07-01".into()),
            ..Default::default()
        };
        let person_a = s.create_person(&person(br_a, "张甲", "513101198201130014")).await.unwrap().id;
        let person_b = s.create_person(&person(br_b, "李乙", "370101190102039973")).await.unwrap().id;
        for (u, role, org) in [
            ("staff_a", Role::CommitteeStaff, ent_a),
            ("sec_a", Role::BranchSecretary, br_a),
            ("member_a", Role::Member, br_a),
            ("admin2", Role::Admin, root),
        ] {
            sys.add_user(u, PASSWORD, role, org).await.unwrap();
        }
        // Link member_a's account to their person record.
        sqlx::query("UPDATE users SET person_id = $1 WHERE username = 'member_a'")
            .bind(person_a)
            .execute(db.pool())
            .await
            .unwrap();

        let mut state = dangjian_web::AppState::new(db);
        state.data_dir = tdb.data_dir.clone();
        let app = dangjian_web::router(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let fx = Fixture { root, ent_a, gb_a, br_a, cell_a, ent_b, br_b, person_a, person_b };
        Some(TestApp { base, backend, fx, tdb: Some(tdb), server })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn db(&self) -> &dangjian_store::Db {
        &self.tdb.as_ref().unwrap().db
    }

    /// A client with a cookie jar, not logged in.
    pub fn anon(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// A client logged in as `username` (API login), and its CSRF token.
    pub async fn login(&self, username: &str) -> (reqwest::Client, String) {
        let c = self.anon();
        let r = c
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login as {username}");
        let body: serde_json::Value = r.json().await.unwrap();
        (c, body["csrf_token"].as_str().unwrap().to_string())
    }

    pub async fn stop(mut self) {
        self.server.abort();
        if let Some(t) = self.tdb.take() {
            t.cleanup().await;
        }
    }
}

/// Runs `body` once per available backend.
#[macro_export]
macro_rules! on_both {
    ($app:ident, $body:block) => {
        for backend in dangjian_store::testing::BACKENDS {
            let Some($app) = common::TestApp::spawn(backend).await else { continue };
            $body
            $app.stop().await;
        }
    };
}

/// Builds a roster workbook from rows of (header → value) in template order.
pub fn workbook(rows: &[Vec<(&str, &str)>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let headers: Vec<&str> = dangjian_excel::COLUMNS.iter().map(|c| c.header).collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (h, v) in row {
            let c = headers.iter().position(|x| x == h).expect("known header");
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}
