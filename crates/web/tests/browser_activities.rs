//! The org-life pages in a real browser: a branch secretary records a general
//! meeting on a phone-sized screen with the one-screen form (everyone starts
//! present; one absence with its reason; a sit-in), sees the record with its
//! quorum, uploads a short video to it (player after), and finds it on the
//! calendar. See `browser.rs` for the environment.
#![allow(clippy::disallowed_methods)]

mod common;

use common::browser::*;

use chrono::NaiveDate;
use common::TestApp;
use dangjian_store::people::PersonInput;
use fantoccini::{Client, Locator};

async fn fill(c: &Client, id: &str, text: &str) {
    let e = wait_css(c, &format!("#{id}")).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Two more full members in br_a, so the meeting has three voting members.
async fn members(app: &TestApp) -> Vec<i64> {
    let op = app.db().system(1).cli_principal();
    let s = app.db().scoped(&op);
    let mut ids = Vec::new();
    for (i, name) in ["王乙", "赵丙"].iter().enumerate() {
        let id = dangjian_domain::id_number::synthesize(
            230103,
            NaiveDate::from_ymd_opt(1988, 5, 1).unwrap(),
            101 + 2 * i as u32,
        );
        let p = s
            .create_person(&PersonInput {
                org_id: app.fx.br_a,
                name: name.to_string(),
                id_number: id.as_str().into(),
                status: "full".into(),
                probationary_on: Some("2019-07-01".into()),
                full_on: Some("2020-07-01".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        ids.push(p.id);
    }
    ids
}

/// A small file that is an MP4 by its content (the `ftyp` box), which is what the server checks.
fn mp4(len: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    v.resize(len, 7);
    v
}

#[tokio::test]
async fn a_secretary_records_a_general_meeting_with_attendance_on_a_phone() {
    let video = TempFile::new("党员大会.mp4", &mp4(200_000));
    in_browser!(b, app, {
        let c = &b.c;
        let ids = members(&app).await;
        login(c, &app, "sec_a").await;
        c.set_window_size(390, 844).await.unwrap();
        let br = app.fx.br_a;
        c.goto(&app.url(&format!("/orgs/{br}/activities"))).await.unwrap();
        wait_css(c, "#activities-empty").await;
        let rec = wait_css(c, "#record-new").await;
        click_to(c, rec, &app.url(&format!("/orgs/{br}/activities/new"))).await;

        // The checklist comes from the roster, everyone present.
        wait_css(c, "#checklist").await;
        expect_contains(c, "legend", "应到 3 人").await;
        let checked = c
            .execute("return document.querySelectorAll('#checklist input[value=present]:checked').length", vec![])
            .await
            .unwrap();
        assert_eq!(checked.as_i64(), Some(3));

        fill(c, "f-topic", "学习贯彻全会精神专题党员大会").await;
        fill(c, "f-place", "车间会议室").await;
        // 赵丙 is on leave: tap 请假, and the reason box appears.
        let who = ids[1];
        c.find(Locator::XPath(&format!("//li[@data-person='{who}']//label[span[normalize-space(.)='请假']]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let reason = wait_css(c, &format!("input[name='r_{who}']")).await;
        assert!(reason.is_displayed().await.unwrap(), "the reason box shows for leave");
        reason.send_keys("倒班").await.unwrap();
        fill(c, "f-sit-ins", "孙丁 乙公司机关党支部").await;
        c.find(Locator::Id("record-submit")).await.unwrap().click().await.unwrap();

        // The record: attendance, quorum, the sit-in.
        expect_text(c, "#activity-topic", "学习贯彻全会精神专题党员大会").await;
        expect_text(c, "#flash-ok", "活动已登记。").await;
        expect_contains(c, "#activity-tally", "应到 3 人，实到 2 人，缺席 0 人，请假 1 人，列席 1 人").await;
        expect_contains(c, "#quorum", "已达到法定人数").await;
        expect_contains(c, "#attendance-list", "倒班").await;
        expect_contains(c, "#attendance-list", "孙丁").await;
        let fits =
            c.execute("return document.documentElement.scrollWidth <= window.innerWidth + 1", vec![]).await.unwrap();
        assert_eq!(fits.as_bool(), Some(true), "the record page fits a phone");

        // A short video of the meeting goes onto the same record page, with a player after it.
        expect_contains(c, "#recordings", "暂无影像记录").await;
        wait_css(c, "#recording-file").await.send_keys(video.path()).await.unwrap();
        c.find(Locator::Id("recording-submit")).await.unwrap().click().await.unwrap();
        let player = wait_css(c, "#recording-list video").await;
        let src = player.attr("src").await.unwrap().unwrap_or_default();
        assert!(src.starts_with("/api/v1/recordings/") && src.ends_with("/content"), "player source {src}");
        expect_contains(c, "#recording-list", "党员大会.mp4").await;
        expect_text(c, "#activity-topic", "学习贯彻全会精神专题党员大会").await;

        // Leaving out a reason is refused with the row named, and nothing is stored.
        c.goto(&app.url(&format!("/orgs/{br}/activities/new?kind=general_meeting"))).await.unwrap();
        fill(c, "f-topic", "缺原因的会议").await;
        c.find(Locator::XPath(&format!("//li[@data-person='{}']//label[span[normalize-space(.)='缺席']]", ids[0])))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.find(Locator::Id("record-submit")).await.unwrap().click().await.unwrap();
        expect_contains(c, "#problem", "缺席或请假须填写原因").await;
        expect_contains(c, "#problem", "出勤名单").await;

        // The calendar lists the one meeting that was stored.
        c.goto(&app.url(&format!("/orgs/{br}/activities"))).await.unwrap();
        expect_contains(c, "#activity-rows", "学习贯彻全会精神专题党员大会").await;
        let rows = c.find_all(Locator::Css("#activity-rows > li")).await.unwrap();
        assert_eq!(rows.len(), 1);
    });
}
