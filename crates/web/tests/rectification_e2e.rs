//! Seed 000's case end to end over HTTP, on both backends: an inspection's
//! ledger of 161 measures imported from Excel and assigned across
//! enterprises, worked through the seven-step close-out, some returned, some
//! overdue and escalated, and the figures checked.
#![allow(clippy::disallowed_methods)]

use chrono::{Duration, Utc};
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Role;
use dangjian_store::orgs::NewOrg;
use serde_json::{json, Value};

const PASSWORD: &str = "test-password-1";
const ENTERPRISES: [&str; 5] = [
    "云南铝业股份有限公司党委",
    "包头铝业有限公司党委",
    "郑州轻金属研究院党委",
    "兰州铝业有限公司党委",
    "中州铝业有限公司党委",
];

async fn login(base: &str, user: &str) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let r = c
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{user}");
    let v: Value = r.json().await.unwrap();
    (c, v["csrf_token"].as_str().unwrap().to_string())
}

async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

#[tokio::test]
async fn inspection_ledger_of_161_measures_closes_the_loop() {
    for backend in dangjian_store::testing::BACKENDS {
        let Some(tdb) = dangjian_store::testing::TestDb::new(backend).await else { continue };
        let db = tdb.db.clone();
        let sys = db.system(1);
        let admin = sys.cli_principal();
        let s = db.scoped(&admin);
        let est = Utc::now().date_naive() - Duration::days(3650);
        let group = sys.create_root(OrgKind::Committee, "中国铝业股份有限公司党委", est).await.unwrap().id;
        sys.add_user("group_staff", PASSWORD, Role::CommitteeStaff, group).await.unwrap();
        let mut branches = Vec::new();
        for (k, name) in ENTERPRISES.iter().enumerate() {
            let mk = |parent, kind, name: &str| NewOrg {
                parent_id: parent,
                kind,
                name: name.into(),
                established_on: est,
                doc_no: String::new(),
                overseas: false,
            };
            let ent = s.establish(mk(group, OrgKind::Committee, name)).await.unwrap().id;
            // Every enterprise has a 第一党支部: the ledger must name them by path.
            let br = s.establish(mk(ent, OrgKind::Branch, "第一党支部")).await.unwrap().id;
            sys.add_user(&format!("ent{k}"), PASSWORD, Role::CommitteeStaff, ent).await.unwrap();
            sys.add_user(&format!("sec{k}"), PASSWORD, Role::BranchSecretary, br).await.unwrap();
            branches.push((ent, br, format!("{name}/第一党支部")));
        }
        let app = {
            let mut st = dangjian_web::AppState::new(db.clone());
            st.data_dir = tdb.data_dir.clone();
            dangjian_web::router(st)
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let (group_c, group_csrf) = login(&base, "group_staff").await;
        let list = ok(group_c
            .post(format!("{base}/api/v1/lists"))
            .json(&json!({"org_id": group, "kind": "rectification", "name": "巡视反馈问题整改台账", "year": 2025, "source": "集团党组巡视反馈"}))
            .send()
            .await
            .unwrap())
        .await;
        let list_id = list["id"].as_i64().unwrap();
        assert!(list["procedure_id"].is_i64(), "rectification ledgers get the seven-step sample");

        // 161 measures: the first 131 due at the end of next month, the last 30 overdue by a month.
        let today = Utc::now().date_naive();
        let later = today + Duration::days(40);
        let past = today - Duration::days(30);
        let rows: Vec<dangjian_excel::LedgerExportRow> = (0..161)
            .map(|i| dangjian_excel::LedgerExportRow {
                seq: Some((i + 1).to_string()),
                category: Some(["政治建设", "组织建设", "作风建设"][i % 3].into()),
                problem: format!("巡视反馈问题{}", i / 3 + 1),
                measure: format!("整改措施{}", i + 1),
                responsible_org: branches[i % 5].2.clone(),
                responsible_person: Some(format!("责任人{}", i % 7)),
                leading_leader: None,
                cooperating_orgs: if i % 10 == 0 { vec![ENTERPRISES[(i / 10) % 5].to_string()] } else { vec![] },
                due_on: if i < 131 { later } else { past },
                target: None,
                note: None,
                status: String::new(),
                progress: None,
                closed_on: None,
            })
            .collect();
        let mut bad = rows.clone();
        bad[7].responsible_org = "第一党支部".into(); // ambiguous without the enterprise
        bad[9].cooperating_orgs = vec!["不存在的单位".into()];
        let import = format!("{base}/api/v1/lists/{list_id}/import");
        let r = group_c
            .post(&import)
            .header("x-csrf-token", &group_csrf)
            .body(dangjian_excel::export_ledger("台账", &bad))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        let errs: Vec<(i64, String, String)> = body["error"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap().into(), e["code"].as_str().unwrap().into())
            })
            .collect();
        // Title row, header row, then data: measure 8 is on row 10.
        assert_eq!(
            errs,
            vec![(10, "责任单位".into(), "ambiguous_org".into()), (12, "配合单位".into(), "unknown_org".into())]
        );
        assert_eq!(
            ok(group_c.get(format!("{base}/api/v1/lists/{list_id}")).send().await.unwrap()).await["tasks"]
                .as_array()
                .unwrap()
                .len(),
            0,
            "nothing stored"
        );
        let r = ok(group_c
            .post(&import)
            .header("x-csrf-token", &group_csrf)
            .body(dangjian_excel::export_ledger("台账", &rows))
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(r["created"], 161);
        let tasks = ok(group_c.get(format!("{base}/api/v1/lists/{list_id}")).send().await.unwrap()).await["tasks"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(tasks.len(), 161);

        let mut secs = Vec::new();
        let mut ents = Vec::new();
        for k in 0..5 {
            secs.push(login(&base, &format!("sec{k}")).await);
            ents.push(login(&base, &format!("ent{k}")).await);
        }
        // A secretary sees their own branch's measures, not the other enterprises'.
        let sec0_list = ok(secs[0].0.get(format!("{base}/api/v1/lists/{list_id}")).send().await.unwrap()).await;
        // Measures 0, 5, …, 160 are branch 0's: 33 of them, and none of the others.
        let seen = sec0_list["tasks"].as_array().unwrap();
        assert_eq!(seen.len(), 33);
        assert!(seen.iter().all(|t| t["org_id"] == branches[0].1));

        let act = |c: &reqwest::Client, id: i64, body: Value| {
            let c = c.clone();
            let url = format!("{base}/api/v1/tasks/{id}/closeout");
            async move { c.post(url).json(&body).send().await.unwrap() }
        };
        let mut returned_open = 0;
        for (i, task) in tasks.iter().enumerate().take(131) {
            let id = task["id"].as_i64().unwrap();
            let k = i % 5;
            let (sec, sec_csrf) = &secs[k];
            let (ent, _) = &ents[k];
            ok(sec
                .post(format!("{base}/api/v1/tasks/{id}/progress"))
                .json(&json!({"progress": 80, "note": "已完成主要整改"}))
                .send()
                .await
                .unwrap())
            .await;
            ok(act(sec, id, json!({"action": "submit"})).await).await;
            ok(act(sec, id, json!({"action": "approve", "step": 0})).await).await;
            // Step 1 needs evidence.
            let r = act(sec, id, json!({"action": "approve", "step": 1})).await;
            assert_eq!(r.status(), 422);
            ok(sec
                .post(format!("{base}/api/v1/tasks/{id}/attachments?name=整改材料.pdf"))
                .header("x-csrf-token", sec_csrf)
                .body("%PDF evidence")
                .send()
                .await
                .unwrap())
            .await;
            ok(act(sec, id, json!({"action": "approve", "step": 1})).await).await;
            if i % 8 == 0 {
                // The enterprise returns it with a reason.
                let r =
                    ok(act(ent, id, json!({"action": "return", "step": 2, "reason": "佐证材料不充分"})).await).await;
                assert_eq!(r["round"], 2);
                if i % 16 == 0 {
                    returned_open += 1;
                    continue; // still being reworked
                }
                ok(act(sec, id, json!({"action": "submit"})).await).await;
                ok(act(sec, id, json!({"action": "approve", "step": 0})).await).await;
                ok(sec
                    .post(format!("{base}/api/v1/tasks/{id}/attachments?name=补充材料.pdf"))
                    .header("x-csrf-token", sec_csrf)
                    .body("%PDF more")
                    .send()
                    .await
                    .unwrap())
                .await;
                ok(act(sec, id, json!({"action": "approve", "step": 1})).await).await;
            }
            // The secretary cannot take the enterprise's step.
            assert_eq!(act(sec, id, json!({"action": "approve", "step": 2})).await.status(), 403);
            ok(act(ent, id, json!({"action": "approve", "step": 2})).await).await;
            ok(act(ent, id, json!({"action": "approve", "step": 3})).await).await;
            ok(act(&group_c, id, json!({"action": "approve", "step": 4})).await).await;
            ok(act(ent, id, json!({"action": "approve", "step": 5})).await).await;
            let closed = ok(act(ent, id, json!({"action": "approve", "step": 6})).await).await;
            assert_eq!(closed["status"], "closed");
            // Acting again on a closed item: a clear conflict.
            let again = act(ent, id, json!({"action": "approve", "step": 6})).await;
            assert_eq!(again.status(), 409);
        }
        assert_eq!(returned_open, 9);

        // The last 30 are overdue: the escalation job notifies the enterprise, then the group.
        let n = sys.run_escalation(today).await.unwrap();
        assert_eq!(n, 30 * 2);
        assert_eq!(sys.run_escalation(today).await.unwrap(), 0, "idempotent");

        let stats = ok(group_c
            .get(format!("{base}/api/v1/orgs/{group}/stats/tasks?from={}&to={}", past - Duration::days(1), later))
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(stats["total"], 161);
        assert_eq!(stats["closed"], 131 - 9);
        assert_eq!(stats["closed_on_time"], 131 - 9);
        assert_eq!(stats["overdue"], 30);
        assert_eq!(stats["completion_rate"], 75.78);
        assert_eq!(stats["by_list"][0]["key"], "rectification");
        assert_eq!(stats["by_list"][0]["total"], 161);
        assert!(stats["by_element"].is_array());

        // One enterprise's figures cover only its own measures.
        let e0 = ok(ents[0]
            .0
            .get(format!(
                "{base}/api/v1/orgs/{}/stats/tasks?from={}&to={}",
                branches[0].0,
                past - Duration::days(1),
                later
            ))
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(e0["total"], 33);
        // And it cannot read the group's.
        assert_eq!(
            ents[0].0.get(format!("{base}/api/v1/orgs/{group}/stats/tasks")).send().await.unwrap().status(),
            404
        );

        // The board drills down from the group to where the overdue items sit.
        let board = ok(group_c.get(format!("{base}/api/v1/orgs/{group}/board")).send().await.unwrap()).await;
        let overdue: i64 = board["rows"].as_array().unwrap().iter().map(|r| r["overdue"].as_i64().unwrap()).sum();
        let returned: i64 = board["rows"].as_array().unwrap().iter().map(|r| r["returned"].as_i64().unwrap()).sum();
        assert_eq!((overdue, returned), (30, 9));

        // The secretaries' to-do: overdue items and notices to answer.
        let todo = ok(secs[1].0.get(format!("{base}/api/v1/todo")).send().await.unwrap()).await;
        assert_eq!(todo["counts"]["overdue"], 6);
        assert_eq!(todo["counts"]["notices"], 12);
        // The export shows each item's state in the ledger layout.
        let xlsx = group_c
            .get(format!("{base}/api/v1/lists/{list_id}/export.xlsx"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let back = dangjian_excel::parse_ledger(&xlsx).unwrap();
        assert_eq!(back.len(), 161);
        server.abort();
        tdb.cleanup().await;
    }
}
