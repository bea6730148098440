//! Debug mode: an environment whose runtime starts under a debugger that
//! listens on a port of this host (`laminar serve --debug`). Python runs
//! under `debugpy` (the Debug Adapter Protocol), Node.js with its inspector
//! (the Chrome DevTools Protocol). Both executors start the runtime the way
//! this module says; which environments are debugged is the invoker's call.

use crate::interpreter::python_prints;
use laminar_model::runtime::{family, RuntimeFamily};
use std::path::{Path, PathBuf};

/// A debugger an environment's runtime starts under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Debugger {
    pub kind: DebuggerKind,
    /// The port on 127.0.0.1 a debugger client attaches to (a container's
    /// is published there).
    pub port: u16,
    /// The runtime waits for a client before its initialisation runs.
    pub wait_for_attach: bool,
}

/// Which debugger a runtime family starts under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebuggerKind {
    /// `python -m debugpy --listen`: the Debug Adapter Protocol.
    Debugpy,
    /// `node --inspect`: the Chrome DevTools Protocol.
    NodeInspector,
}

impl DebuggerKind {
    /// The debugger of a runtime, if laminar can start one for it.
    pub fn of_runtime(runtime: &str) -> Option<Self> {
        match family(runtime)? {
            RuntimeFamily::Python => Some(Self::Debugpy),
            RuntimeFamily::Node => Some(Self::NodeInspector),
            _ => None,
        }
    }

    /// Where its clients attach by convention (VS Code's defaults).
    pub fn default_port(self) -> u16 {
        match self {
            Self::Debugpy => 5678,
            Self::NodeInspector => 9229,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Debugpy => "debugpy",
            Self::NodeInspector => "node-inspector",
        }
    }
}

impl Debugger {
    /// The interpreter arguments that come before the runtime client's
    /// script; `host` is the address the debugger listens on.
    pub(crate) fn interpreter_args(&self, host: &str) -> Vec<String> {
        let listen = format!("{host}:{}", self.port);
        match (self.kind, self.wait_for_attach) {
            (DebuggerKind::Debugpy, wait) => {
                let mut args = vec!["-m".into(), "debugpy".into(), "--listen".into(), listen];
                if wait {
                    args.push("--wait-for-client".into());
                }
                args
            }
            (DebuggerKind::NodeInspector, false) => vec![format!("--inspect={listen}")],
            (DebuggerKind::NodeInspector, true) => vec![format!("--inspect-brk={listen}")],
        }
    }
}

/// Variables every debugged Python runtime gets: pydevd's warning about
/// Python 3.11's frozen modules would otherwise land in the function's log.
pub(crate) const PYTHON_VARIABLES: [(&str, &str); 1] = [("PYDEVD_DISABLE_FILE_VALIDATION", "1")];

/// The folder of the `debugpy` package `python` imports, or the message
/// that tells the user how to install it.
pub(crate) async fn debugpy_of(python: &Path) -> Result<PathBuf, String> {
    // find_spec locates the package without importing it.
    let probe = "import importlib.util as u; s = u.find_spec('debugpy'); \
                 print(s.submodule_search_locations[0] if s else '')";
    let found = python_prints(python, probe)
        .await
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.join("__init__.py").is_file());
    found.ok_or_else(|| {
        format!(
            "Debug mode needs debugpy, which {} cannot import: pip install debugpy",
            python.display()
        )
    })
}

/// Where a debugged container finds laminar's wrapper and debugpy.
const CONTAINER_BIN: &str = "/var/laminar-debug/bin";
const CONTAINER_DEBUGPY: &str = "/var/laminar-debug/python/debugpy";

/// The `AWS_LAMBDA_EXEC_WRAPPER` of a debugged container. The image's
/// bootstrap calls it with the interpreter and its arguments (official
/// images and the stand-ins do); a Python interpreter is started under
/// debugpy (mounted at `/var/laminar-debug/python`), anything else as given.
/// A wrapper the function set itself still runs, after this one.
const CONTAINER_WRAPPER: &str = r#"#!/bin/sh
# laminar's debug wrapper (AWS_LAMBDA_EXEC_WRAPPER), written by laminar.
next=${LAMINAR_DEBUG_NEXT_WRAPPER:-}
case "$(basename "$1")" in
python*)
    interpreter=$1
    shift
    export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}/var/laminar-debug/python"
    exec ${next:+"$next"} "$interpreter" -m debugpy --listen "$LAMINAR_DEBUG_LISTEN" $LAMINAR_DEBUG_WAIT "$@"
    ;;
esac
exec ${next:+"$next"} "$@"
"#;

/// What a debugged container needs besides its usual settings.
pub(crate) struct ContainerDebug {
    /// Host folders placed read-only at container paths.
    pub(crate) folders: Vec<(PathBuf, &'static str)>,
    pub(crate) variables: Vec<(String, String)>,
    /// Published on 127.0.0.1 with the same number inside.
    pub(crate) port: u16,
}

impl ContainerDebug {
    /// For Python: debugpy as this host's `python3` finds it, and the
    /// wrapper written into `support_dir`. `own` are the function's variables.
    pub(crate) async fn prepare(
        debugger: &Debugger,
        support_dir: &Path,
        own: &[(String, String)],
    ) -> Result<Self, String> {
        let mut folders = Vec::new();
        if debugger.kind == DebuggerKind::Debugpy {
            let debugpy = debugpy_of(Path::new("python3")).await?;
            write_wrapper(support_dir).map_err(|e| {
                format!(
                    "could not write the debug wrapper into {}: {e}",
                    support_dir.display()
                )
            })?;
            folders.push((debugpy, CONTAINER_DEBUGPY));
            folders.push((support_dir.to_path_buf(), CONTAINER_BIN));
        }
        Ok(Self {
            folders,
            variables: container_variables(debugger, own),
            port: debugger.port,
        })
    }
}

/// Writes the wrapper into `dir` (once per content: a rename makes the
/// change atomic for containers starting meanwhile).
fn write_wrapper(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("debug-wrapper");
    if std::fs::read_to_string(&path).is_ok_and(|text| text == CONTAINER_WRAPPER) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let partial = dir.join(format!("debug-wrapper.{}", std::process::id()));
    std::fs::write(&partial, CONTAINER_WRAPPER)?;
    std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755))?;
    std::fs::rename(&partial, &path)
}

/// The variables a debugged container gets, given the function's own
/// (`NODE_OPTIONS` and `AWS_LAMBDA_EXEC_WRAPPER` are extended, not lost).
fn container_variables(debugger: &Debugger, own: &[(String, String)]) -> Vec<(String, String)> {
    let own_value = |name: &str| {
        own.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    match debugger.kind {
        DebuggerKind::NodeInspector => {
            let inspect = debugger.interpreter_args("0.0.0.0").join(" ");
            let options = match own_value("NODE_OPTIONS") {
                Some(theirs) if !theirs.is_empty() => format!("{inspect} {theirs}"),
                _ => inspect,
            };
            vec![("NODE_OPTIONS".to_string(), options)]
        }
        DebuggerKind::Debugpy => {
            let wait = if debugger.wait_for_attach {
                "--wait-for-client"
            } else {
                ""
            };
            let mut vars = vec![
                (
                    "AWS_LAMBDA_EXEC_WRAPPER".to_string(),
                    format!("{CONTAINER_BIN}/debug-wrapper"),
                ),
                (
                    "LAMINAR_DEBUG_LISTEN".to_string(),
                    format!("0.0.0.0:{}", debugger.port),
                ),
                ("LAMINAR_DEBUG_WAIT".to_string(), wait.to_string()),
            ];
            if let Some(theirs) = own_value("AWS_LAMBDA_EXEC_WRAPPER") {
                vars.push(("LAMINAR_DEBUG_NEXT_WRAPPER".into(), theirs));
            }
            vars.extend(
                PYTHON_VARIABLES
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
            vars
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_waits_with_wait_for_client_and_node_with_inspect_brk() {
        let python = Debugger {
            kind: DebuggerKind::Debugpy,
            port: 5678,
            wait_for_attach: true,
        };
        assert_eq!(
            python.interpreter_args("127.0.0.1"),
            [
                "-m",
                "debugpy",
                "--listen",
                "127.0.0.1:5678",
                "--wait-for-client"
            ]
        );
        let node = Debugger {
            kind: DebuggerKind::NodeInspector,
            port: 9230,
            wait_for_attach: false,
        };
        assert_eq!(node.interpreter_args("0.0.0.0"), ["--inspect=0.0.0.0:9230"]);
    }

    #[test]
    fn a_container_keeps_the_functions_own_node_options_and_wrapper() {
        let node = Debugger {
            kind: DebuggerKind::NodeInspector,
            port: 9229,
            wait_for_attach: true,
        };
        let own = vec![(
            "NODE_OPTIONS".to_string(),
            "--enable-source-maps".to_string(),
        )];
        assert_eq!(
            container_variables(&node, &own),
            [(
                "NODE_OPTIONS".to_string(),
                "--inspect-brk=0.0.0.0:9229 --enable-source-maps".to_string()
            )]
        );
        let python = Debugger {
            kind: DebuggerKind::Debugpy,
            port: 5678,
            wait_for_attach: false,
        };
        let own = vec![("AWS_LAMBDA_EXEC_WRAPPER".to_string(), "/opt/w".to_string())];
        let vars = container_variables(&python, &own);
        assert!(vars.contains(&("LAMINAR_DEBUG_NEXT_WRAPPER".into(), "/opt/w".into())));
        assert!(vars.contains(&("LAMINAR_DEBUG_LISTEN".into(), "0.0.0.0:5678".into())));
    }
}
