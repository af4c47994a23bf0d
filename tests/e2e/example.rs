//! The example merchant app (`examples/merchant-app`): a Tauri app of its own whose
//! local order page opens the sandbox checkout in a payment window through
//! tauri-plugin-payhost's JS API, pays by ISP through the simulated app and the OS
//! (xdg-open → the app → its return link → a second process → single-instance →
//! payhost), and shows the typed `payhost://result` in its own UI. The app also has
//! links of its own (`beanshop://…`, through tauri-plugin-deep-link): they keep
//! reaching it, and payhost leaves them alone.

use fantoccini::Locator;

use crate::harness::{click, example_binary, other_window, shot, wait_until, Harness};
use crate::sandbox::{checkout, landing, rows};

/// The example's scheme (`examples/merchant-app/tauri.conf.json`).
const EXAMPLE_SCHEME: &str = "merchantapp";

/// One of the example's own links (its second deep-link scheme).
const OWN_LINK: &str = "beanshop://orders/42";

#[tokio::test(flavor = "multi_thread")]
async fn the_example_app_pays_by_isp_from_its_own_order_page_and_hears_the_result() {
    let mut h = Harness::standalone_sandbox_for(EXAMPLE_SCHEME, &["--auto", "approve"]);
    h.app = example_binary();
    let shop = format!("http://127.0.0.1:{}/shop", h.sandbox_port);
    h.extra_env.push(("MERCHANT_APP_SHOP".to_owned(), shop));
    let client = h.session(&[]).await;
    let order_page = client.window().await.unwrap();
    client.find(Locator::Css("#order")).await.unwrap();
    shot(&client, "40-example-order-page").await;
    click(&client, "#order").await;

    let payment = other_window(&client, &order_page).await;
    client.switch_to_window(payment.clone()).await.unwrap();
    checkout(&client, "nice:card", false).await;
    click(&client, "#app-isp").await;
    let landing = landing(&client, &h).await;
    shot(&client, "41-example-payment-verified").await;
    assert_eq!(landing.status, "paid", "{}", landing.title);
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    assert_eq!(rows.order_amount, rows.payment_amount);
    let log = h.apps_log();
    assert!(
        log.contains(&format!(
            "returned via {EXAMPLE_SCHEME}://://http://127.0.0.1:"
        )),
        "{log}"
    );

    // The order page heard the result: returned, with the order's id.
    client.switch_to_window(order_page.clone()).await.unwrap();
    wait_until("the order page to show the result", || {
        let client = client.clone();
        async move {
            match client.find(Locator::Css("#result")).await {
                Ok(result) => {
                    result.attr("data-kind").await.ok().flatten().as_deref() == Some("returned")
                }
                Err(_) => false,
            }
        }
    })
    .await;
    let result = client.find(Locator::Css("#result")).await.unwrap();
    assert_eq!(
        result.attr("data-merchant-uid").await.unwrap().as_deref(),
        Some(landing.merchant_uid.as_str())
    );
    let text = result.text().await.unwrap();
    assert!(text.contains("\"window\": \"payhost-payment-0\""), "{text}");
    assert_eq!(
        result.attr("data-count").await.unwrap().as_deref(),
        Some("1")
    );
    shot(&client, "42-example-order-page-result").await;

    // The app's own link, as the OS delivers it (a second process, handed over by
    // single-instance): tauri-plugin-deep-link gives it to the order page, payhost
    // neither navigates the payment window nor reports a result.
    let payment_page = {
        client.switch_to_window(payment.clone()).await.unwrap();
        let url = client.current_url().await.unwrap();
        client.switch_to_window(order_page.clone()).await.unwrap();
        url
    };
    assert!(h.second_instance(OWN_LINK).success());
    wait_until("the order page to show its own link", || {
        let client = client.clone();
        async move {
            match client.find(Locator::Css("#own-link")).await {
                Ok(own) => own.attr("data-link").await.ok().flatten().as_deref() == Some(OWN_LINK),
                Err(_) => false,
            }
        }
    })
    .await;
    let result = client.find(Locator::Css("#result")).await.unwrap();
    assert_eq!(
        result.attr("data-count").await.unwrap().as_deref(),
        Some("1"),
        "payhost reported the app's own link as a result"
    );
    client.switch_to_window(payment).await.unwrap();
    assert_eq!(client.current_url().await.unwrap(), payment_page);
    client.close().await.unwrap();
}
