//! A merchant's own Tauri app with payhost added (README.md, "Add payhost to your
//! Tauri app"): its local order page ("주문하기") opens the payment in a payment
//! window through the plugin's JS API (`ui/index.html`) and shows the typed result;
//! its own links (`beanshop://…`) keep coming through tauri-plugin-deep-link.
//!
//! What payhost needs from an app, all here: the plugin (with `return_hosts` set in
//! code, because the shop's address is known only at run time), tauri-plugin-opener
//! (the desktop launcher), and on desktop tauri-plugin-single-instance handing a
//! return link's arguments to payhost and tauri-plugin-deep-link registering the
//! schemes. `MERCHANT_APP_SHOP` names the shop (default: the sandbox on its default
//! port).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::{WebviewUrl, WebviewWindowBuilder};

/// The order page's window label (capabilities/order-page.json).
const ORDER_WINDOW: &str = "main";

/// The sandbox's shop on its default port.
const DEFAULT_SHOP: &str = "http://127.0.0.1:8717/shop";

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let shop = std::env::var("MERCHANT_APP_SHOP").unwrap_or_else(|_| DEFAULT_SHOP.to_owned());
    let Some(shop_host) = host_and_port(&shop) else {
        eprintln!("merchant-app: MERCHANT_APP_SHOP is not an http(s) URL: {shop}");
        return std::process::ExitCode::from(2);
    };
    let mut builder = tauri::Builder::default();
    // Registered first (tauri-plugin-single-instance README).
    #[cfg(desktop)]
    {
        builder = builder.plugin(tauri_plugin_single_instance::init(
            tauri_plugin_payhost::on_second_instance,
        ));
    }
    let app = builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(
            tauri_plugin_payhost::Builder::new()
                .return_hosts([shop_host])
                .on_result(|_app, result| {
                    tracing::info!("payment result: {:?} in {}", result.kind, result.window);
                })
                .build(),
        )
        .setup(move |app| {
            #[cfg(desktop)]
            {
                use tauri_plugin_deep_link::DeepLinkExt;
                // An unpackaged desktop run receives its schemes only once registered
                // (`tauri-plugin-deep-link@2.6.3:src/lib.rs` `register_all`).
                if let Err(err) = app.deep_link().register_all() {
                    tracing::warn!("deep-link registration failed: {err}");
                }
            }
            let mut page = url::Url::parse("http://order.page/index.html")?;
            page.query_pairs_mut().append_pair("shop", &shop);
            let local = format!("index.html?{}", page.query().unwrap_or_default());
            WebviewWindowBuilder::new(app, ORDER_WINDOW, WebviewUrl::App(local.into()))
                .title("주문 / Order")
                .inner_size(420.0, 640.0)
                .build()?;
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => {
            app.run(|_, _| {});
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("merchant-app: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `host:port` of an http(s) URL (the form `returnHosts` takes), or `None`.
fn host_and_port(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?;
    Some(
        url.port()
            .map_or_else(|| host.to_owned(), |port| format!("{host}:{port}")),
    )
}
