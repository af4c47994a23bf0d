//! payhost-sandbox: a local stand-in for iamport (and, as it grows, its PGs, the
//! payment apps and a merchant server), so payhost's payment round trip runs on one
//! machine without a PG contract. This first part is the iamport V1 REST API over a
//! SQLite database (`api`, `store`).

pub mod api;
pub mod merchant;
pub mod store;

use std::net::SocketAddr;
use std::path::Path;

pub use api::{router, system_clock, ApiState, Clock};
pub use store::Store;

/// The REST API key and secret the sandbox accepts (the merchant's test credentials).
pub const SANDBOX_IMP_KEY: &str = "sandbox_imp_key";
/// See [`SANDBOX_IMP_KEY`].
pub const SANDBOX_IMP_SECRET: &str = "sandbox_imp_secret";

/// Binds `addr` and serves the API from the database at `db` until the process ends.
///
/// # Errors
/// When the database cannot be opened or the address bound.
pub async fn serve(addr: SocketAddr, db: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(db)?;
    let state = ApiState::new(store, system_clock(), SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("payhost-sandbox on http://{}", listener.local_addr()?);
    axum::serve(listener, router(state)).await?;
    Ok(())
}
