//! The Docker engine, through the `docker` CLI: whether it answers, whether
//! the runtime images are there, and what containers laminar left.

use std::path::Path;
use std::process::{Command, Stdio};

pub const IMAGES: [&str; 2] = [
    "public.ecr.aws/lambda/python:3.11",
    "public.ecr.aws/lambda/provided:al2023",
];

fn docker(args: &[&str]) -> Option<String> {
    let out = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The engine's version, if one answers.
pub fn engine_version() -> Option<String> {
    docker(&["version", "--format", "{{.Server.Version}}"]).filter(|v| !v.is_empty())
}

pub fn missing_images() -> Vec<&'static str> {
    IMAGES
        .into_iter()
        .filter(|image| docker(&["image", "inspect", "--format", "{{.Id}}", image]).is_none())
        .collect()
}

/// Runs the repository's offline image builder (idempotent).
pub fn build_images(script: &Path) -> Result<(), String> {
    eprintln!("building the runtime images with {}", script.display());
    let status = Command::new("bash")
        .arg(script)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed: {status}", script.display()))
    }
}

/// Containers laminar (process `pid`) labelled as its own.
pub fn containers_of(pid: u32) -> Vec<String> {
    let Some(list) = docker(&[
        "ps",
        "-a",
        "--filter",
        "label=dev.laminar.managed=true",
        "--format",
        "{{.ID}} {{.Label \"dev.laminar.owner\"}}",
    ]) else {
        return Vec::new();
    };
    let prefix = format!("{pid}:");
    list.lines()
        .filter_map(|line| {
            let (id, owner) = line.split_once(' ')?;
            owner.starts_with(&prefix).then(|| id.to_string())
        })
        .collect()
}

pub fn remove(ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let mut args = vec!["rm", "-f"];
    args.extend(ids.iter().map(String::as_str));
    let _ = docker(&args);
}

/// The engine's HTTP API on its unix socket, for timings without the CLI's
/// own start-up in them.
pub struct Engine {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>,
}

pub const SOCKET: &str = "/var/run/docker.sock";

impl Engine {
    pub async fn connect() -> crate::Result<Self> {
        let stream = tokio::net::UnixStream::connect(SOCKET).await?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self { sender })
    }

    pub async fn call(
        &mut self,
        method: hyper::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> crate::Result<(u16, serde_json::Value)> {
        use http_body_util::BodyExt;
        self.sender.ready().await?;
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "docker");
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                bytes::Bytes::from(json.to_string())
            }
            None => bytes::Bytes::new(),
        };
        let response = self
            .sender
            .send_request(request.body(http_body_util::Full::new(body))?)
            .await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Ok((status, json))
    }

    /// Create → start → exit of a container running `/bin/true` from
    /// `image` on the default bridge: the engine's own cost of a cold start.
    /// Returns (create, start) durations.
    pub async fn create_and_start(
        &mut self,
        image: &str,
    ) -> crate::Result<(std::time::Duration, std::time::Duration)> {
        use hyper::Method;
        let begun = std::time::Instant::now();
        let (status, created) = self
            .call(
                Method::POST,
                "/containers/create",
                Some(serde_json::json!({
                    "Image": image,
                    "Entrypoint": ["/bin/true"],
                    "Cmd": [],
                    "Labels": { "dev.laminar.bench-floor": "true" },
                    "HostConfig": { "NetworkMode": "bridge" },
                })),
            )
            .await?;
        let id = created["Id"].as_str().unwrap_or_default().to_string();
        if status != 201 || id.is_empty() {
            return Err(format!("docker create answered {status}: {created}").into());
        }
        let create = begun.elapsed();
        let started = std::time::Instant::now();
        let (status, answer) = self
            .call(Method::POST, &format!("/containers/{id}/start"), None)
            .await?;
        let start = started.elapsed();
        let _ = self
            .call(
                Method::DELETE,
                &format!("/containers/{id}?force=true"),
                None,
            )
            .await;
        if status != 204 {
            return Err(format!("docker start answered {status}: {answer}").into());
        }
        Ok((create, start))
    }

    /// How many containers (any state) carry `label=value`.
    pub async fn count_labelled(&mut self, label: &str, value: &str) -> crate::Result<usize> {
        let filters = serde_json::json!({ "label": [format!("{label}={value}")] }).to_string();
        let path = format!(
            "/containers/json?all=1&filters={}",
            percent_encode(&filters)
        );
        let (status, list) = self.call(hyper::Method::GET, &path, None).await?;
        if status != 200 {
            return Err(format!("docker ps answered {status}").into());
        }
        Ok(list.as_array().map_or(0, Vec::len))
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
