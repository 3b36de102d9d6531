//! Behaviour of the HTTP API on both backends: sessions, lock-out, idle
//! timeout, CSRF, validation errors, the all-or-nothing import, export round
//! trips, optimistic concurrency and the audit chain.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{workbook, PASSWORD};
use serde_json::{json, Value};

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

#[tokio::test]
async fn health_and_openapi() {
    on_both!(app, {
        let c = app.anon();
        assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), 200);
        let doc = json_of(c.get(app.url("/api/openapi.json")).send().await.unwrap()).await;
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/v1/login",
            "/api/v1/orgs",
            "/api/v1/orgs/{id}",
            "/api/v1/orgs/{id}/children",
            "/api/v1/orgs/{id}/members",
        ] {
            assert!(paths.contains_key(p), "OpenAPI lacks {p}");
        }
        // The documented paths are snapshotted: a change to the API shows up in review.
        let mut documented: Vec<&str> = paths.keys().map(String::as_str).collect();
        documented.sort();
        let snapshot: Vec<&str> =
            include_str!("openapi_paths.txt").lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
        assert_eq!(documented, snapshot, "update crates/web/tests/openapi_paths.txt if the change is intended");
    });
}

#[tokio::test]
async fn login_lockout_and_idle_timeout() {
    on_both!(app, {
        let c = app.anon();
        // Not logged in: JSON 401 with a stable code.
        let r = c.get(app.url("/api/v1/orgs")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(json_of(r).await["error"]["code"], "unauthenticated");

        for _ in 0..4 {
            let r = c
                .post(app.url("/api/v1/login"))
                .json(&json!({"username": "staff_a", "password": "wrong"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
            assert_eq!(json_of(r).await["error"]["message"], "用户名或密码错误");
        }
        let r = c
            .post(app.url("/api/v1/login"))
            .json(&json!({"username": "staff_a", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 423, "the fifth failure locks the account");
        // Locked: even the right password is refused.
        let r = c
            .post(app.url("/api/v1/login"))
            .json(&json!({"username": "staff_a", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 423);
        assert_eq!(json_of(r).await["error"]["code"], "account_locked");

        // An admin unlocks it.
        let (admin, _) = app.login("admin2").await;
        let users = json_of(admin.get(app.url("/api/v1/users")).send().await.unwrap()).await;
        let staff = users.as_array().unwrap().iter().find(|u| u["username"] == "staff_a").unwrap();
        assert_eq!(staff["locked"], true);
        let r = admin.put(app.url(&format!("/api/v1/users/{}/unlock", staff["id"]))).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let (staff_c, _) = app.login("staff_a").await;
        assert_eq!(staff_c.get(app.url("/api/v1/orgs")).send().await.unwrap().status(), 200);

        // Idle timeout: a session unused for longer than the setting is gone.
        let sys = app.db().system(1);
        let cookie_token = {
            // Log in fresh and read the token from the Set-Cookie header.
            let r = app
                .anon()
                .post(app.url("/api/v1/login"))
                .json(&json!({"username": "sec_a", "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            let sc = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
            assert!(sc.contains("HttpOnly"), "{sc}");
            sc.split(';').next().unwrap().trim_start_matches("dj_session=").to_string()
        };
        let with_cookie =
            |t: &str| reqwest::Client::new().get(app.url("/api/v1/me")).header("cookie", format!("dj_session={t}"));
        assert_eq!(with_cookie(&cookie_token).send().await.unwrap().status(), 200);
        sys.age_session(&cookie_token, 31 * 60).await.unwrap();
        assert_eq!(with_cookie(&cookie_token).send().await.unwrap().status(), 401);
    });
}

#[tokio::test]
async fn org_objects_and_members() {
    on_both!(app, {
        let (c, _) = app.login("staff_a").await;
        let roots = json_of(c.get(app.url("/api/v1/orgs")).send().await.unwrap()).await;
        assert_eq!(roots.as_array().unwrap().len(), 1);
        let root = &roots[0];
        assert_eq!(root["id"], app.fx.ent_a);
        assert_eq!(root["parent_id"], app.fx.root);
        assert_eq!(root["kind"], "committee");
        assert_eq!(root["name"], "甲公司党委");
        let kids =
            json_of(c.get(app.url(&format!("/api/v1/orgs/{}/children", app.fx.ent_a))).send().await.unwrap()).await;
        assert_eq!(kids[0]["id"], app.fx.gb_a);
        assert_eq!(kids[0]["people_count"], 1);
        let r = c.get(app.url(&format!("/api/v1/orgs/{}/members", app.fx.ent_a))).send().await.unwrap();
        assert_eq!(r.headers()["x-total-count"], "1");
        let members = json_of(r).await;
        assert_eq!(members[0]["name"], "张甲");
        assert_eq!(members[0]["id_number"], "5131**********0014", "masked");
        // Filters: status and name search.
        let none = json_of(
            c.get(app.url(&format!("/api/v1/orgs/{}/members?status=applicant", app.fx.ent_a))).send().await.unwrap(),
        )
        .await;
        assert_eq!(none.as_array().unwrap().len(), 0);
        let by_name =
            json_of(c.get(app.url(&format!("/api/v1/orgs/{}/members?q=张", app.fx.ent_a))).send().await.unwrap()).await;
        assert_eq!(by_name.as_array().unwrap().len(), 1);
        // A sibling enterprise is not there at all.
        assert_eq!(c.get(app.url(&format!("/api/v1/orgs/{}", app.fx.ent_b))).send().await.unwrap().status(), 404);
    });
}

#[tokio::test]
async fn validation_errors_list_fields_in_the_callers_language() {
    on_both!(app, {
        let (c, _) = app.login("sec_a").await;
        let bad = json!({"org_id": app.fx.br_a, "name": "", "id_number": "110105194912310021", "status": "full", "phone": "12"});
        let r = c.post(app.url("/api/v1/people")).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body = json_of(r).await;
        assert_eq!(body["error"]["code"], "validation_failed");
        let fields: Vec<&str> =
            body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["name", "id_number", "phone", "full_on"]);
        assert_eq!(body["error"]["fields"][1]["message"], "身份证号码校验位错误");

        let r = c.post(app.url("/api/v1/people")).header("accept-language", "en").json(&bad).send().await.unwrap();
        let body = json_of(r).await;
        assert_eq!(body["error"]["fields"][1]["message"], "the ID number's check digit is wrong");

        // A duplicate ID number (already registered in another enterprise) is a 409 with a clear message.
        let dup = json!({"org_id": app.fx.br_a, "name": "王五", "id_number": "370101190102039973", "status": "none"});
        let r = c.post(app.url("/api/v1/people")).json(&dup).send().await.unwrap();
        assert_eq!(r.status(), 409);
        let body = json_of(r).await;
        assert_eq!(body["error"]["code"], "id_number_duplicate");
        assert_eq!(body["error"]["message"], "身份证号码已存在，同一人不能重复登记");
    });
}

#[tokio::test]
async fn stale_edits_conflict_instead_of_overwriting() {
    on_both!(app, {
        let (c, _) = app.login("sec_a").await;
        let url = app.url(&format!("/api/v1/people/{}", app.fx.person_a));
        let p = json_of(c.get(&url).send().await.unwrap()).await;
        let version = p["version"].as_i64().unwrap();
        let edit = |work_unit: &str, v: i64| {
            json!({"version": v, "org_id": app.fx.br_a, "name": "张甲", "id_number": "513101198201130014", "status": "full",
                   "probationary_on": "2015-07-01", "full_on": "2016-07-01", "work_unit": work_unit})
        };
        let first = c.put(&url).json(&edit("熔铸一车间", version)).send().await.unwrap();
        assert_eq!(first.status(), 200);
        let second = c.put(&url).json(&edit("熔铸二车间", version)).send().await.unwrap();
        assert_eq!(second.status(), 409, "the second editor saw an old version");
        let now = json_of(c.get(&url).send().await.unwrap()).await;
        assert_eq!(now["work_unit"], "熔铸一车间");
        assert_eq!(now["version"], version + 1);
    });
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

#[tokio::test]
async fn import_is_all_or_nothing_and_exports_round_trip() {
    on_both!(app, {
        let (c, csrf) = app.login("staff_a").await;
        let import_url = app.url(&format!("/api/v1/orgs/{}/import", app.fx.ent_a));
        let count = |c: reqwest::Client| {
            let url = app.url(&format!("/api/v1/orgs/{}/members", app.fx.ent_a));
            async move {
                c.get(url).send().await.unwrap().headers()["x-total-count"].to_str().unwrap().parse::<i64>().unwrap()
            }
        };
        assert_eq!(count(c.clone()).await, 1);

        // One good row and four bad ones: bad check digit, unknown branch, a number
        // already registered in another enterprise, and a bad date.
        let bad = workbook(&[
            row("赵一", "11010519491231002X", "熔铸一车间党支部"),
            row("钱二", "110105194912310021", "熔铸一车间党支部"),
            row("孙三", "440524188001010014", "不存在的党支部"),
            row("李乙", "370101190102039973", "熔铸一车间党支部"),
            vec![
                ("姓名", "周四"),
                ("身份证号码", "513101198201130014"),
                ("政治面貌", "正式党员"),
                ("所在党支部", "熔铸一车间党支部"),
                ("入党日期", "2010-13-45"),
            ],
        ]);
        // Without the CSRF header the upload is refused.
        let r = c.post(&import_url).body(bad.clone()).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = c.post(&import_url).header("x-csrf-token", &csrf).body(bad).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body = json_of(r).await;
        let rows: Vec<(i64, String, String)> = body["error"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["row"].as_i64().unwrap(),
                    r["column"].as_str().unwrap().to_string(),
                    r["code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(rows.contains(&(3, "身份证号码".into(), "id_number_check_digit".into())), "{rows:?}");
        assert!(rows.contains(&(6, "入党日期".into(), "date_format".into())), "{rows:?}");
        assert!(!rows.iter().any(|r| r.0 == 2), "row 2 is good: {rows:?}");
        assert_eq!(count(c.clone()).await, 1, "nothing stored");

        // Storage-level problems are reported once cell-level ones are fixed.
        let bad2 = workbook(&[
            row("赵一", "11010519491231002X", "熔铸一车间党支部"),
            row("孙三", "440524188001010014", "不存在的党支部"),
            row("李乙", "370101190102039973", "熔铸一车间党支部"),
        ]);
        let body = json_of(c.post(&import_url).header("x-csrf-token", &csrf).body(bad2).send().await.unwrap()).await;
        let rows: Vec<(i64, &str, &str)> = body["error"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap(), r["code"].as_str().unwrap()))
            .collect();
        assert_eq!(rows, vec![(3, "所在党支部", "unknown_org"), (4, "身份证号码", "id_number_duplicate")]);
        assert_eq!(count(c.clone()).await, 1, "nothing stored");

        // A good file imports.
        let good = workbook(&[
            row("赵一", "11010519491231002X", "熔铸一车间党支部"),
            row("孙三", "440524188001010014", "甲公司熔铸厂党总支/熔铸一车间党支部"),
        ]);
        let r = c.post(&import_url).header("x-csrf-token", &csrf).body(good).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(json_of(r).await, json!({"rows": 2, "created": 2, "updated": 0}));
        assert_eq!(count(c.clone()).await, 3);

        // Export, then import the exported file back: everyone is updated, nobody duplicated.
        let r = c.get(app.url(&format!("/api/v1/orgs/{}/export.xlsx", app.fx.ent_a))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
        let exported = r.bytes().await.unwrap().to_vec();
        let parsed = dangjian_excel::parse(&exported).expect("the export reads as an import");
        assert_eq!(parsed.len(), 3);
        assert!(parsed.iter().any(|p| p.id_number.as_str() == "11010519491231002X"), "full numbers for staff");
        let r = c.post(&import_url).header("x-csrf-token", &csrf).body(exported).send().await.unwrap();
        assert_eq!(json_of(r).await, json!({"rows": 3, "created": 0, "updated": 3}));
        assert_eq!(count(c.clone()).await, 3);

        // Not a workbook at all.
        let r = c.post(&import_url).header("x-csrf-token", &csrf).body("hello").send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(json_of(r).await["error"]["fields"][0]["code"], "file_unreadable");
    });
}

#[tokio::test]
async fn reveals_are_audited_and_the_chain_detects_tampering() {
    on_both!(app, {
        let (c, _) = app.login("sec_a").await;
        let r = c
            .post(app.url(&format!("/api/v1/people/{}/reveal", app.fx.person_a)))
            .json(&json!({"field": "id_number"}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(r).await["value"], "513101198201130014");
        let (admin, _) = app.login("admin2").await;
        let entries = json_of(admin.get(app.url("/api/v1/audit?action=reveal")).send().await.unwrap()).await;
        assert_eq!(entries.as_array().unwrap().len(), 1);
        assert_eq!(entries[0]["actor"], "sec_a");
        assert_eq!(entries[0]["entity_id"], app.fx.person_a.to_string());
        // Full numbers never appear in the trail.
        let all = admin.get(app.url("/api/v1/audit?limit=500")).send().await.unwrap().text().await.unwrap();
        assert!(!all.contains("513101198201130014"));

        let ok = json_of(admin.get(app.url("/api/v1/audit/verify")).send().await.unwrap()).await;
        assert_eq!(ok["intact"], true);
        let n = ok["entries"].as_i64().unwrap();
        assert!(n > 10);
        // Someone edits a stored entry behind the application's back.
        sqlx::query("UPDATE audit_log SET after_json = '{}' WHERE seq = 3").execute(app.db().pool()).await.unwrap();
        let broken = json_of(admin.get(app.url("/api/v1/audit/verify")).send().await.unwrap()).await;
        assert_eq!(broken["intact"], false);
        assert_eq!(broken["broken_at"], 3);
    });
}

#[tokio::test]
async fn page_forms_need_the_csrf_token() {
    on_both!(app, {
        let (c, _) = app.login("staff_a").await;
        let url = app.url(&format!("/orgs/{}/rename", app.fx.gb_a));
        let r = c.post(&url).form(&[("name", "改名"), ("effective_on", "2025-01-01")]).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = c
            .post(&url)
            .form(&[("csrf", "forged"), ("name", "改名"), ("effective_on", "2025-01-01")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let org = json_of(c.get(app.url(&format!("/api/v1/orgs/{}", app.fx.gb_a))).send().await.unwrap()).await;
        assert_eq!(org["name"], "甲公司熔铸厂党总支", "nothing changed");
    });
}

#[tokio::test]
async fn history_and_terms_over_the_api() {
    on_both!(app, {
        let (c, _) = app.login("staff_a").await;
        let r = c
            .post(app.url(&format!("/api/v1/orgs/{}/rename", app.fx.br_a)))
            .json(&json!({"name": "熔铸安全生产党支部", "effective_on": "2025-03-01", "doc_no": "甲党〔2025〕3号"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let before = json_of(
            c.get(app.url(&format!("/api/v1/orgs/{}/tree?as_of=2025-02-28", app.fx.ent_a))).send().await.unwrap(),
        )
        .await;
        assert!(before.as_array().unwrap().iter().any(|o| o["name"] == "熔铸一车间党支部"));
        let after = json_of(
            c.get(app.url(&format!("/api/v1/orgs/{}/tree?as_of=2025-03-01", app.fx.ent_a))).send().await.unwrap(),
        )
        .await;
        assert!(after.as_array().unwrap().iter().any(|o| o["name"] == "熔铸安全生产党支部"));
        let events =
            json_of(c.get(app.url(&format!("/api/v1/orgs/{}/events", app.fx.br_a))).send().await.unwrap()).await;
        assert_eq!(events[0]["kind"], "rename");
        assert_eq!(events[0]["old_name"], "熔铸一车间党支部");
        assert_eq!(events[0]["doc_no"], "甲党〔2025〕3号");

        // A branch term started 2023-12-01 is due 2026-12-01 (3 years by default).
        let r = c
            .post(app.url(&format!("/api/v1/orgs/{}/terms", app.fx.br_a)))
            .json(&json!({"started_on": "2023-12-01"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(json_of(r).await["due_on"], "2026-12-01");
        let r = c
            .post(app.url(&format!("/api/v1/orgs/{}/terms", app.fx.ent_a)))
            .json(&json!({"started_on": "2019-01-01"}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(r).await["due_on"], "2024-01-01", "committees: 5 years");
        // Dissolving an org that still has people is refused.
        let r = c
            .post(app.url(&format!("/api/v1/orgs/{}/dissolve", app.fx.br_a)))
            .json(&json!({"effective_on": "2025-06-01"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        // A bad date is a field error.
        let r = c
            .post(app.url(&format!("/api/v1/orgs/{}/terms", app.fx.br_a)))
            .json(&json!({"started_on": "2023-02-30"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(json_of(r).await["error"]["fields"][0]["field"], "started_on");
    });
}

#[tokio::test]
async fn repeated_branch_names_need_a_path_and_export_writes_one() {
    on_both!(app, {
        let (c, csrf) = app.login("staff_a").await;
        for parent in [app.fx.ent_a, app.fx.gb_a] {
            let r = c
                .post(app.url("/api/v1/orgs"))
                .json(&json!({"parent_id": parent, "kind": "branch", "name": "机关党支部", "established_on": "2020-01-01"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
        let import_url = app.url(&format!("/api/v1/orgs/{}/import", app.fx.ent_a));
        let ambiguous = workbook(&[row("赵一", "11010519491231002X", "机关党支部")]);
        let body =
            json_of(c.post(&import_url).header("x-csrf-token", &csrf).body(ambiguous).send().await.unwrap()).await;
        assert_eq!(body["error"]["rows"][0]["code"], "ambiguous_org");
        let by_path = workbook(&[row("赵一", "11010519491231002X", "甲公司熔铸厂党总支/机关党支部")]);
        let r = c.post(&import_url).header("x-csrf-token", &csrf).body(by_path).send().await.unwrap();
        assert_eq!(r.status(), 200);

        let exported = c
            .get(app.url(&format!("/api/v1/orgs/{}/export.xlsx", app.fx.ent_a)))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let rows = dangjian_excel::parse(&exported).unwrap();
        let zhao = rows.iter().find(|r| r.name == "赵一").unwrap();
        assert_eq!(zhao.branch, "甲公司熔铸厂党总支/机关党支部");
        let r = c.post(&import_url).header("x-csrf-token", &csrf).body(exported.to_vec()).send().await.unwrap();
        assert_eq!(json_of(r).await["updated"], 2);
    });
}

#[tokio::test]
async fn removing_the_newest_audit_entries_is_detected() {
    on_both!(app, {
        let (admin, _) = app.login("admin2").await;
        let ok = json_of(admin.get(app.url("/api/v1/audit/verify")).send().await.unwrap()).await;
        assert_eq!(ok["intact"], true);
        let n = ok["entries"].as_i64().unwrap();
        // Every earlier entry still verifies, but the head remembers the last one.
        sqlx::query("DELETE FROM audit_log WHERE seq = $1").bind(n).execute(app.db().pool()).await.unwrap();
        let broken = json_of(admin.get(app.url("/api/v1/audit/verify")).send().await.unwrap()).await;
        assert_eq!(broken["intact"], false);
        assert_eq!(broken["reason"], "missing");
        assert_eq!(broken["broken_at"], n);
    });
}

#[tokio::test]
async fn an_enterprise_defines_its_own_closeout_procedure() {
    on_both!(app, {
        let (staff, _) = app.login("staff_a").await;
        // Two steps: the branch's own check, then the enterprise itself (a named org).
        let r = staff
            .post(app.url("/api/v1/procedures"))
            .json(&json!({"org_id": app.fx.ent_a, "procedure": {"name": "两步销号", "steps": [
                {"name": "支部自查", "actor": {"at": "task_org", "role": "branch_secretary"}, "evidence_required": false},
                {"name": "公司党委审定", "actor": {"at": "org", "role": "committee_staff", "org_id": app.fx.ent_a}, "evidence_required": false}
            ]}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let proc_id = json_of(r).await["id"].as_i64().unwrap();
        let bad = staff
            .post(app.url("/api/v1/procedures"))
            .json(&json!({"org_id": app.fx.ent_a, "procedure": {"name": "空", "steps": []}}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        let list = json_of(
            staff
                .post(app.url("/api/v1/lists"))
                .json(&json!({"org_id": app.fx.ent_a, "kind": "task", "name": "年度任务", "procedure_id": proc_id}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let task = json_of(
            staff
                .post(app.url(&format!("/api/v1/lists/{}/tasks", list["id"])))
                .json(&json!({"title": "开展主题党日", "org_id": app.fx.br_a, "due_on": "2099-12-31"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let id = task["id"].as_i64().unwrap();
        let (sec, _) = app.login("sec_a").await;
        let act = |c: &reqwest::Client, body: Value| {
            c.post(app.url(&format!("/api/v1/tasks/{id}/closeout"))).json(&body).send()
        };
        assert_eq!(act(&sec, json!({"action": "submit"})).await.unwrap().status(), 200);
        assert_eq!(act(&sec, json!({"action": "approve", "step": 0})).await.unwrap().status(), 200);
        // The second step belongs to the enterprise, not the branch.
        assert_eq!(act(&sec, json!({"action": "approve", "step": 1})).await.unwrap().status(), 403);
        let r = json_of(act(&staff, json!({"action": "approve", "step": 1})).await.unwrap()).await;
        assert_eq!(r["status"], "closed");
        let detail = json_of(staff.get(app.url(&format!("/api/v1/tasks/{id}"))).send().await.unwrap()).await;
        assert_eq!(detail["procedure_name"], "两步销号");
        assert_eq!(detail["steps"], json!(["支部自查", "公司党委审定"]));
    });
}
