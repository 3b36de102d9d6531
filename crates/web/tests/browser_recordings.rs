//! Recordings in a real browser (Debian's Chromium, headless, through
//! chromedriver): a branch secretary uploads a small video on an activity's
//! recordings page, watches the progress bar, and sees it listed with a
//! player; a refused file shows the error in Chinese; the pages fit a phone.
//! See `browser.rs` for the environment variables.
#![allow(clippy::disallowed_methods)]

mod common;

use common::browser::*;
use common::TestApp;
use fantoccini::{Client, Locator};
use sqlx::Row;

fn mp4(len: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    v.resize(len, 7);
    v
}

async fn activity(app: &TestApp, org: i64, topic: &str) -> i64 {
    let pool = app.db().pool();
    let next: i64 = sqlx::query(
        "INSERT INTO id_counters (tenant_id, name, next_id) VALUES (1, 'activities', 2) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET next_id = id_counters.next_id + 1 RETURNING next_id",
    )
    .fetch_one(pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    sqlx::query(
        "INSERT INTO activities (tenant_id, id, org_id, kind, status, topic, held_on, created_at, updated_at) \
         VALUES (1, $1, $2, 'theme_day', 'held', $3, '2026-01-15', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    )
    .bind(next - 1)
    .bind(org)
    .bind(topic)
    .execute(pool)
    .await
    .unwrap();
    next - 1
}

async fn assert_fits(c: &Client, what: &str) {
    let v = c
        .execute(
            "const d = document.documentElement; return [d.scrollWidth, d.clientWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let n = |i: usize| v[i].as_f64().unwrap();
    assert!(n(2) <= 400.0, "the window is phone-sized on {what}");
    assert!(n(0) <= n(1) + 1.0, "{what} overflows a phone screen: scrollWidth {} > {}", n(0), n(1));
}

#[tokio::test]
async fn upload_a_video_and_see_it_with_a_player() {
    let video = TempFile::new("主题党日.mp4", &mp4(300_000));
    let text = TempFile::new("会议纪要.mp4", "这不是视频".repeat(100).as_bytes());
    in_browser!(b, app, {
        let c = &b.c;
        let a = activity(&app, app.fx.br_a, "主题党日：重温入党誓词").await;
        login(c, &app, "sec_a").await;
        c.goto(&app.url(&format!("/activities/{a}/recordings"))).await.unwrap();
        expect_text(c, "#activity-topic", "主题党日：重温入党誓词").await;
        expect_contains(c, "#recordings", "暂无影像记录").await;
        expect_contains(c, "p.meta", "2026年1月15日").await;

        // A text file named .mp4 is refused, and the page says why, in Chinese.
        wait_css(c, "#recording-file").await.send_keys(text.path()).await.unwrap();
        c.find(Locator::Id("recording-submit")).await.unwrap().click().await.unwrap();
        expect_contains(c, "#recording-status", "文件类型不受支持").await;

        wait_css(c, "#recording-file").await.send_keys(video.path()).await.unwrap();
        c.find(Locator::Id("recording-submit")).await.unwrap().click().await.unwrap();
        // The page reloads with the video listed, playable from the content URL.
        let player = wait_css(c, "#recording-list video").await;
        let src = player.attr("src").await.unwrap().unwrap_or_default();
        assert!(src.contains("/api/v1/recordings/") && src.ends_with("/content"), "player source {src}");
        assert_eq!(player.attr("preload").await.unwrap().as_deref(), Some("metadata"));
        expect_contains(c, "#recording-list", "主题党日.mp4").await;
        // The browser can read its metadata through Range requests.
        let ready = c
            .execute_async(
                "const [done] = arguments; fetch(document.querySelector('#recording-list video').src, {headers: {Range: 'bytes=0-99'}})\
                 .then(r => done([r.status, r.headers.get('content-range')]));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(ready[0], 206);
        assert_eq!(ready[1], "bytes 0-99/300000");

        // Searchable on the search page, and both pages fit a phone.
        c.goto(&app.url("/recordings?q=%E8%AA%93%E8%AF%8D")).await.unwrap();
        wait_css(c, "main h1").await;
        c.goto(&app.url("/recordings?q=%E5%85%A5%E5%85%9A")).await.unwrap();
        wait_css(c, "#results video").await;
        c.set_window_size(390, 844).await.unwrap();
        for path in [format!("/activities/{a}/recordings"), "/recordings".to_string()] {
            c.goto(&app.url(&path)).await.unwrap();
            wait_css(c, "main h1").await;
            assert_fits(c, &path).await;
        }
        c.set_window_size(1280, 900).await.unwrap();

        // Deleting takes it off the page.
        c.goto(&app.url(&format!("/activities/{a}/recordings"))).await.unwrap();
        wait_css(c, "button.rec-delete").await;
        c.execute("window.confirm = () => true;", vec![]).await.unwrap();
        c.find(Locator::Css("button.rec-delete")).await.unwrap().click().await.unwrap();
        wait_css(c, "#no-recordings").await;
    });
}
