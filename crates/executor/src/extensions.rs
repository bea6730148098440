//! What the executors need to know about extensions: the external ones a
//! function's layers bring, and what the Extensions API tells them.

use crate::spec::EnvironmentSpec;
use laminar_runtime_api::FunctionMeta;
use std::path::{Path, PathBuf};

/// The external extensions of a merged layer tree: the executable files of
/// `extensions/`, by name, in lexical order (the order Lambda starts them;
/// the same rule laminar-init applies inside containers).
pub(crate) fn external_extensions(opt: &Path) -> Vec<(String, PathBuf)> {
    laminar_init::extensions_in(&opt.join("extensions"))
}

/// The function as the register answer describes it.
pub(crate) fn function_meta(spec: &EnvironmentSpec) -> FunctionMeta {
    FunctionMeta {
        function_name: spec.function_name.clone(),
        function_version: spec.version.clone(),
        handler: spec.handler.clone(),
        account_id: spec
            .function_arn
            .split(':')
            .nth(4)
            .unwrap_or_default()
            .to_string(),
    }
}
