//! The progress of an image pull, from the engine's stream of messages
//! (one per layer and step: `Pulling fs layer`, `Downloading` with bytes,
//! `Download complete`, `Extracting`, `Pull complete`, `Already exists`):
//! a bar of the bytes downloaded on a terminal, otherwise a log line each
//! time a layer is done and every few seconds between.

use crate::progress::Display;
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Between two log lines when nothing finished meanwhile.
const LINE_EVERY: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Layer {
    downloaded: u64,
    size: u64,
    done: bool,
}

pub(crate) struct PullProgress {
    image: String,
    layers: BTreeMap<String, Layer>,
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Instant,
}

/// Messages of the stream that are about the image, not a layer.
fn about_the_image(status: &str) -> bool {
    ["Pulling from", "Digest:", "Status:"]
        .iter()
        .any(|p| status.starts_with(p))
}

impl PullProgress {
    pub(crate) fn new(image: &str, display: Display, now: Instant) -> Self {
        let bar = (display == Display::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {elapsed}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("pulling {image}"));
            bar
        });
        Self {
            image: image.to_string(),
            layers: BTreeMap::new(),
            bar,
            started: now,
            last_line: now,
        }
    }

    /// One message of the pull; the log line it is worth, if any (never
    /// with a bar).
    pub(crate) fn update(
        &mut self,
        layer: Option<&str>,
        status: &str,
        bytes: Option<(i64, i64)>,
        now: Instant,
    ) -> Option<String> {
        let id = layer.filter(|_| !about_the_image(status))?;
        let entry = self.layers.entry(id.to_string()).or_default();
        let was_done = entry.done;
        match status {
            "Downloading" => {
                if let Some((current, total)) = bytes {
                    entry.downloaded = u64::try_from(current).unwrap_or(0);
                    entry.size = u64::try_from(total).unwrap_or(0).max(entry.downloaded);
                }
            }
            "Download complete" => entry.downloaded = entry.size,
            "Pull complete" | "Already exists" => {
                entry.downloaded = entry.size;
                entry.done = true;
            }
            _ => {}
        }
        let finished_one = entry.done && !was_done;
        let (downloaded, size) = self.bytes();
        if let Some(bar) = &self.bar {
            bar.set_length(size);
            bar.set_position(downloaded);
            bar.set_message(format!(
                "pulling {} ({}/{} layers)",
                self.image,
                self.done(),
                self.layers.len()
            ));
            return None;
        }
        if !finished_one && now.duration_since(self.last_line) < LINE_EVERY {
            return None;
        }
        self.last_line = now;
        Some(format!(
            "pulling {}: {} of {} layers done, {} of {} downloaded",
            self.image,
            self.done(),
            self.layers.len(),
            HumanBytes(downloaded),
            HumanBytes(size)
        ))
    }

    fn bytes(&self) -> (u64, u64) {
        self.layers
            .values()
            .fold((0, 0), |(d, s), l| (d + l.downloaded, s + l.size))
    }

    fn done(&self) -> usize {
        self.layers.values().filter(|l| l.done).count()
    }

    /// The pull ended: the bar goes, and the line that says how.
    pub(crate) fn finish(self, failure: Option<&str>, now: Instant) -> String {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let took = now.duration_since(self.started).as_secs_f64();
        match failure {
            None => format!(
                "pulled {} in {took:.1} s ({} layers, {})",
                self.image,
                self.layers.len(),
                HumanBytes(self.bytes().1)
            ),
            Some(e) => format!("pulling {} failed after {took:.1} s: {e}", self.image),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_when_a_layer_is_done_and_every_few_seconds() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut p = PullProgress::new("repo/img:1", Display::Lines, t0);
        assert_eq!(p.update(Some("1"), "Pulling from repo/img", None, t0), None);
        assert_eq!(p.update(Some("a"), "Pulling fs layer", None, t0), None);
        assert_eq!(p.update(Some("b"), "Pulling fs layer", None, t0), None);
        assert_eq!(
            p.update(Some("a"), "Downloading", Some((1000, 2000)), at(1)),
            None
        );
        // Five seconds on, a line even though no layer finished.
        assert_eq!(
            p.update(Some("b"), "Downloading", Some((500, 1000)), at(6))
                .as_deref(),
            Some("pulling repo/img:1: 0 of 2 layers done, 1.46 KiB of 2.93 KiB downloaded")
        );
        assert_eq!(p.update(Some("a"), "Download complete", None, at(7)), None);
        assert_eq!(
            p.update(Some("a"), "Pull complete", None, at(7)).as_deref(),
            Some("pulling repo/img:1: 1 of 2 layers done, 2.44 KiB of 2.93 KiB downloaded")
        );
        assert_eq!(
            p.update(Some("b"), "Already exists", None, at(8))
                .as_deref(),
            Some("pulling repo/img:1: 2 of 2 layers done, 2.93 KiB of 2.93 KiB downloaded")
        );
        assert_eq!(
            p.update(None, "Status: Downloaded newer image", None, at(9)),
            None
        );
        assert_eq!(
            p.finish(None, at(9)),
            "pulled repo/img:1 in 9.0 s (2 layers, 2.93 KiB)"
        );
    }

    #[test]
    fn a_failure_says_after_how_long() {
        let t0 = Instant::now();
        let p = PullProgress::new("x:1", Display::Lines, t0);
        assert_eq!(
            p.finish(Some("connection refused"), t0 + Duration::from_millis(250)),
            "pulling x:1 failed after 0.2 s: connection refused"
        );
    }
}
