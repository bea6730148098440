//! Questions asked of a Python interpreter of this host.

use std::path::Path;

/// What `python -c code` prints (trimmed), when it runs and succeeds.
pub(crate) async fn python_prints(python: &Path, code: &str) -> Option<String> {
    let output = tokio::process::Command::new(python)
        .args(["-c", code])
        .output()
        .await
        .ok()
        .filter(|o| o.status.success())?;
    String::from_utf8(output.stdout)
        .ok()
        .map(|s| s.trim().to_string())
}
