//! The framework ceiling for the mixed-read benchmark: axum answering
//! "Hello, World!" on the same runtime settings as `dangjian serve`.
//!
//! `dangjian-bench-hello 127.0.0.1:PORT`

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listen = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8081".into());
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
