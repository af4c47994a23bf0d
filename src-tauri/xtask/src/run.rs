//! `cargo xtask run`: payhost on the sandbox, as a developer or QA first sees it.

use std::env;
use std::process::Command;

use crate::xvfb::Xvfb;
use crate::{apt, cargo, root, step, Result};

pub(crate) fn run() -> Result {
    apt::ensure_system_packages()?;
    let mut build = cargo();
    build.args(["build", "-p", "payhost", "-p", "payhost-sandbox"]);
    step("cargo build -p payhost -p payhost-sandbox", build)?;
    let binary = root().join("target/debug/payhost");
    if env::var_os("DISPLAY").is_some() || env::var_os("WAYLAND_DISPLAY").is_some() {
        // The simulated payment apps become this user's handlers of the payment
        // schemes (a dialog asks approve / deny / cancel), so payhost's real launcher
        // path runs; with no start URL configured payhost opens the sandbox's shop.
        let mut install = Command::new(root().join("target/debug/payhost-sandbox"));
        install.arg("install-apps");
        step(
            "payhost-sandbox install-apps (simulated payment apps)",
            install,
        )?;
        let mut app = Command::new(&binary);
        app.arg("--qa");
        return step("payhost --qa", app);
    }
    // No display: run under Xvfb in a D-Bus session, take a screenshot, stop.
    let xvfb = Xvfb::start()?;
    let shot = root().join("target/xtask-run.png");
    let script = format!(
        "'{}' --qa & APP=$!; sleep 8; import -window root '{}'; kill $APP; wait $APP 2>/dev/null; true",
        binary.display(),
        shot.display()
    );
    let mut session = Command::new("dbus-run-session");
    session
        .args(["--", "sh", "-c", &script])
        .env("DISPLAY", &xvfb.display)
        .env("NO_AT_BRIDGE", "1");
    step("payhost under Xvfb (no display)", session)?;
    println!(
        "\nNo display here: payhost ran under Xvfb; screenshot saved to {}",
        shot.display()
    );
    Ok(())
}
