//! Runs tauri-build: reads tauri.conf.json and capabilities/ from the repository root
//! (the Tauri app directory). The app has no commands of its own; the QA panel reads
//! the flow through tauri-plugin-payhost's `flow_log`, granted to it alone.
//!
//! Before that it checks the `plugins.payhost` section of tauri.conf.json through
//! payhost-core's validators: a phone has no other configuration than what is
//! compiled in, so a bad start URL or an app scheme the mobile manifests do not
//! declare must fail the build, naming the key, not the buyer's first payment.
fn main() {
    println!("cargo:rerun-if-changed=tauri.conf.json");
    let conf = match std::fs::read_to_string("tauri.conf.json") {
        Ok(conf) => conf,
        // build scripts report by panicking; this is build time, not a user path
        Err(err) => panic!("cannot read tauri.conf.json: {err}"),
    };
    if let Err(err) = payhost_core::settings::check_tauri_conf(&conf) {
        panic!("tauri.conf.json: {err}");
    }
    if let Err(err) = tauri_build::try_build(tauri_build::Attributes::new()) {
        panic!("tauri-build failed: {err:#}");
    }
}
