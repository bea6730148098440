//! What an external extension costs the warm invoke (issue 16): the null
//! runtime with and without laminar-bench's null extension in a layer. The
//! extension's INVOKE and its next `event/next` are the added work; the
//! target is at most one loopback round trip.

use super::bench::*;
use super::progress;
use crate::api;
use crate::fixtures;
use crate::http::Conn;
use crate::laminar::Laminar;
use crate::null_extension;
use crate::report::{Figure, Floor, Target};
use crate::stats::summarize;
use crate::Result;
use base64::Engine;
use hyper::Method;
use std::time::Duration;

const WITH_EXTENSION: &str = "bench-null-extension";

impl Bench {
    pub(super) async fn extension_cost(
        &mut self,
        laminar: &Laminar,
        conn: &mut Conn,
    ) -> Result<()> {
        progress("process executor: the cost of an external extension on the warm invoke");
        let binary = std::env::current_exe()?;
        let bytes = std::fs::read(&binary)?;
        let entry = format!("extensions/{}", null_extension::NAME);
        let layer_zip = fixtures::zip_of(&[(&entry, &bytes, 0o755)], false)?;
        let layer = publish_layer(conn, &layer_zip).await?;
        let null = fixtures::bootstrap_zip(&binary)?;
        let mut body: serde_json::Value = serde_json::from_slice(&fixtures::create_body(
            WITH_EXTENSION,
            "provided.al2023",
            "bootstrap",
            &null,
        ))?;
        body["Layers"] = serde_json::json!([layer]);
        api::create_function(conn, bytes::Bytes::from(body.to_string())).await?;
        api::wait_ready(conn, WITH_EXTENSION, Duration::from_secs(120)).await?;

        // Alternate the two so that the machine's drift falls on both.
        let (mut without, mut with) = (Vec::new(), Vec::new());
        for _ in 0..4 {
            without.extend(self.warm_series(laminar, conn, NULL, 0).await?.warm);
            with.extend(
                self.warm_series(laminar, conn, WITH_EXTENSION, 0)
                    .await?
                    .warm,
            );
        }
        self.push(
            Figure::new(
                "warm.process.null runtime + extension",
                "warm invoke, process, null runtime with one external extension",
                "ms",
                summarize(&with),
            )
            .note(NULL_NOTE),
        );
        self.push(
            Figure::new(
                "extension_cost.process",
                "  added by one external extension (quantile by quantile, with − without)",
                "ms",
                summarize(&quantile_differences(&with, &without)),
            )
            .target(Target::at_most("≤ 1 loopback round trip", 0.06).or_floor(1.0, Floor::OneHop))
            .note("the extension registers for INVOKE and asks for its next event at once (laminar-bench's null extension)"),
        );
        Ok(())
    }
}

async fn publish_layer(conn: &mut Conn, zip: &[u8]) -> Result<String> {
    let body = serde_json::json!({
        "Content": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
    });
    let answer = conn
        .send(
            Method::POST,
            "/2018-10-31/layers/bench-null-extension/versions",
            &[],
            bytes::Bytes::from(body.to_string()),
        )
        .await?;
    let answer = api::expect(answer, 201, "PublishLayerVersion")?;
    let arn = answer.json()?["LayerVersionArn"]
        .as_str()
        .ok_or("PublishLayerVersion gave no LayerVersionArn")?
        .to_string();
    Ok(arn)
}

/// `a` − `b` at each quantile (both sorted, the shorter one's length).
fn quantile_differences(a: &[f64], b: &[f64]) -> Vec<f64> {
    let sorted = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let (a, b) = (sorted(a), sorted(b));
    let n = a.len().min(b.len());
    let at = |v: &[f64], i: usize| v[i * v.len() / n.max(1)];
    (0..n).map(|i| at(&a, i) - at(&b, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_differences_pair_equal_ranks() {
        assert_eq!(
            quantile_differences(&[3.0, 1.0, 2.0], &[0.5, 1.5, 0.0]),
            [1.0, 1.5, 1.5]
        );
        assert!(quantile_differences(&[], &[1.0]).is_empty());
    }
}
