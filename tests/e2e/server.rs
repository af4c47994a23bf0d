//! A loopback HTTP server for the fixture pages (`tests/fixtures/merchant`, through
//! tower-http's `ServeDir`), with a log of every request target so tests can assert
//! what the WebView actually fetched, and one redirect to a payment app's scheme.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

pub struct Server {
    pub port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

/// What a PG's server answers when it hands off by HTTP redirect rather than by script.
const KAKAO_HAND_OFF: &str = "kakaotalk://kakaopay/pg?url=https://online-pay.kakao.com/e2e";

impl Server {
    /// Binds a free loopback port and serves on a runtime of its own thread (the
    /// harness is synchronous).
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/merchant");
        let app = Router::new()
            .route(
                "/redirect-kakao",
                get(|| async { (StatusCode::FOUND, [(header::LOCATION, KAKAO_HAND_OFF)]) }),
            )
            .fallback_service(ServeDir::new(root))
            .layer(middleware::from_fn_with_state(
                Arc::clone(&requests),
                log_and_no_store,
            ));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the fixture server");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, app)
                    .await
                    .expect("the fixture server");
            });
        });
        Self { port, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Request targets (`/done?x=1`) seen so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Records the request target and keeps WebKit from caching a fixture, so every load
/// a test counts reaches the server.
async fn log_and_no_store(
    State(requests): State<Arc<Mutex<Vec<String>>>>,
    request: Request,
    next: Next,
) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), ToString::to_string);
    requests.lock().unwrap().push(target);
    let mut response = next.run(request).await.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
