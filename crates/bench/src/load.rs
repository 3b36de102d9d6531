//! A small closed-loop HTTP load generator: `clients` tasks, each sending its
//! next request as soon as the last answer's body has arrived, over
//! keep-alive connections from one shared connection pool.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::stats::Timings;

#[derive(Debug, Clone, Serialize)]
pub struct LoadResult {
    pub clients: usize,
    pub seconds: f64,
    pub requests: usize,
    pub errors: usize,
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The first failing request, for the report.
    pub first_error: Option<String>,
    /// Per route (ids replaced by `{id}`): requests, p50, p99 (ms); slowest first.
    pub routes: Vec<(String, usize, f64, f64)>,
}

/// `/orgs/123/roster?page=1` → `/orgs/{id}/roster`.
fn route_of(url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url);
    path.split('/')
        .map(|seg| if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) { "{id}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// A client with room for `clients` idle keep-alive connections.
pub fn client(clients: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client")
}

/// Runs the load for `warmup` (not counted), then for `duration`. Each
/// client walks `urls` from its own random start, so the mix stays as given
/// while clients do not move in lockstep.
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    cookie: Option<&str>,
    urls: &[String],
    clients: usize,
    warmup: Duration,
    duration: Duration,
) -> LoadResult {
    let mut route_names: Vec<String> = urls.iter().map(|u| route_of(u)).collect();
    route_names.sort();
    route_names.dedup();
    let route_ix: Arc<Vec<usize>> =
        Arc::new(urls.iter().map(|u| route_names.binary_search(&route_of(u)).expect("listed")).collect());
    let urls: Arc<Vec<String>> = Arc::new(urls.iter().map(|u| format!("{base}{u}")).collect());
    let cookie = cookie.map(str::to_string);
    let started = Instant::now();
    let measure_from = started + warmup;
    let until = measure_from + duration;
    let mut handles = Vec::with_capacity(clients);
    for c in 0..clients {
        let http = http.clone();
        let urls = urls.clone();
        let route_ix = route_ix.clone();
        let cookie = cookie.clone();
        handles.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(c as u64);
            let mut i = rng.gen_range(0..urls.len());
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut first_error = None;
            loop {
                let now = Instant::now();
                if now >= until {
                    break;
                }
                let k = i % urls.len();
                let url = &urls[k];
                i += 1;
                let mut req = http.get(url);
                if let Some(c) = &cookie {
                    req = req.header(reqwest::header::COOKIE, c);
                }
                let ok = match req.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        match resp.bytes().await {
                            Ok(_) if status.is_success() => Ok(()),
                            Ok(_) => Err(format!("{url}: HTTP {status}")),
                            Err(e) => Err(format!("{url}: {e}")),
                        }
                    }
                    Err(e) => Err(format!("{url}: {e}")),
                };
                let done = Instant::now();
                if now >= measure_from && done <= until {
                    lat.push((route_ix[k], done - now));
                    if let Err(e) = ok {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                } else if let Err(e) = ok {
                    // Failures during warm-up count too: they are failures.
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            (lat, errors, first_error)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for h in handles {
        let (lat, e, fe) = h.await.expect("a load client");
        all.extend(lat);
        errors += e;
        if first_error.is_none() {
            first_error = fe;
        }
    }
    let mut per: Vec<Vec<Duration>> = vec![Vec::new(); route_names.len()];
    for (r, d) in &all {
        per[*r].push(*d);
    }
    let mut routes: Vec<(String, usize, f64, f64)> = per
        .into_iter()
        .zip(route_names)
        .map(|(v, name)| {
            let t = Timings::new(v);
            (name, t.len(), t.p50_ms(), t.p99_ms())
        })
        .collect();
    routes.sort_by(|a, b| b.2.total_cmp(&a.2));
    let t = Timings::new(all.into_iter().map(|(_, d)| d).collect());
    let seconds = duration.as_secs_f64();
    LoadResult {
        clients,
        seconds,
        requests: t.len(),
        errors,
        requests_per_s: t.len() as f64 / seconds,
        p50_ms: t.p50_ms(),
        p99_ms: t.p99_ms(),
        first_error,
        routes,
    }
}
