//! A private X server for the tasks that run the WebView without a display (`run`
//! with no display, the e2e tests, the app benchmark).

use std::process::{Child, Command, Stdio};

use crate::{Result, XtaskError};

/// A private X server: `-displayfd` makes Xvfb pick a free display and tell us.
pub(crate) struct Xvfb {
    child: Child,
    pub(crate) display: String,
}

impl Xvfb {
    pub(crate) fn start() -> Result<Self> {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| XtaskError::Io("Xvfb".to_owned(), err))?;
        let mut number = String::new();
        if let Some(stdout) = child.stdout.as_mut() {
            use std::io::Read;
            let mut byte = [0u8; 1];
            while stdout.read(&mut byte).is_ok_and(|n| n == 1) && byte[0] != b'\n' {
                number.push(char::from(byte[0]));
            }
        }
        if number.trim().is_empty() {
            let _ = child.kill();
            return Err(XtaskError::Failed(
                "Xvfb did not report a display".to_owned(),
            ));
        }
        Ok(Self {
            child,
            display: format!(":{}", number.trim()),
        })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
