//! Runtime identifiers: which are valid, and how each family is run.

use crate::enums::Runtime;

/// How a runtime's code is started, whatever the executor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeFamily {
    Python,
    Node,
    /// OS-only runtimes: the code (or a layer) brings its own `bootstrap`.
    Provided,
    Java,
    Dotnet,
    Ruby,
    Go,
}

pub fn is_known(runtime: &str) -> bool {
    Runtime::from_model(runtime).is_some()
}

pub fn family(runtime: &str) -> Option<RuntimeFamily> {
    let family = if runtime.starts_with("python") {
        RuntimeFamily::Python
    } else if runtime.starts_with("nodejs") {
        RuntimeFamily::Node
    } else if runtime.starts_with("provided") || runtime == "custom" {
        RuntimeFamily::Provided
    } else if runtime.starts_with("java") {
        RuntimeFamily::Java
    } else if runtime.starts_with("dotnet") {
        RuntimeFamily::Dotnet
    } else if runtime.starts_with("ruby") {
        RuntimeFamily::Ruby
    } else if runtime == "go1.x" {
        RuntimeFamily::Go
    } else {
        return None;
    };
    Some(family)
}

/// Runtimes whose functions can no longer be created in AWS.
pub fn creation_blocked(runtime: &str) -> bool {
    matches!(
        runtime,
        "nodejs"
            | "nodejs4.3"
            | "nodejs4.3-edge"
            | "nodejs6.10"
            | "nodejs8.10"
            | "nodejs10.x"
            | "nodejs12.x"
            | "nodejs14.x"
            | "nodejs16.x"
            | "python2.7"
            | "python3.6"
            | "python3.7"
            | "python3.8"
            | "dotnetcore1.0"
            | "dotnetcore2.0"
            | "dotnetcore2.1"
            | "dotnetcore3.1"
            | "dotnet6"
            | "ruby2.5"
            | "ruby2.7"
            | "java8"
            | "go1.x"
            | "provided"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(family("python3.12"), Some(RuntimeFamily::Python));
        assert_eq!(family("nodejs22.x"), Some(RuntimeFamily::Node));
        assert_eq!(family("provided.al2023"), Some(RuntimeFamily::Provided));
        assert!(is_known("python3.15"));
        assert!(!is_known("python9"));
    }
}
