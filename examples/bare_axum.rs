//! The reference for ccrd's read benchmark (docs/performance.md): a bare axum handler on the
//! same runtime ccrd uses (two worker threads), answering a fixed JSON body on loopback.
//! Prints `listening on http://ADDRESS` and serves until killed.

use axum::Router;
use axum::routing::get;

const BODY: &str = r#"[{"Identity":"CCREX01","State":"Online"}]"#;

fn main() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("listening on http://{}", listener.local_addr()?);
        let app = Router::new()
            .route("/", get(|| async { ([(axum::http::header::CONTENT_TYPE, "application/json")], BODY) }));
        axum::serve(listener, app).await
    })
}
