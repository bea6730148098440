//! Figures, their targets (issue 6), the machine, the table and the JSON.

use crate::stats::Summary;
use serde::Serialize;

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Floor {
    OneHop,
    TwoHop,
}

#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// As the issue states it.
    pub text: String,
    /// The median must be at most this (or at least, for throughput).
    pub absolute: f64,
    pub higher_is_better: bool,
    /// Also given relative to a floor: at most `factor` × the floor's median.
    pub relative: Option<(f64, Floor)>,
}

impl Target {
    pub fn at_most(text: &str, absolute: f64) -> Self {
        Self {
            text: text.into(),
            absolute,
            higher_is_better: false,
            relative: None,
        }
    }

    pub fn at_least(text: &str, absolute: f64) -> Self {
        Self {
            higher_is_better: true,
            ..Self::at_most(text, absolute)
        }
    }

    pub fn or_floor(mut self, factor: f64, floor: Floor) -> Self {
        self.relative = Some((factor, floor));
        self
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub id: String,
    pub label: String,
    /// `ms`, `invokes/s` or `MiB`.
    pub unit: String,
    #[serde(flatten)]
    pub summary: Summary,
    /// The median over the one-hop / two-hop floor's median (latencies), or
    /// the share of the two-hop floor's throughput.
    pub x_floor_1hop: Option<f64>,
    pub x_floor_2hop: Option<f64>,
    pub target: Option<Target>,
    /// `met`, `missed`, or the split verdict of a two-part target.
    pub verdict: Option<String>,
    pub note: Option<String>,
}

impl Figure {
    pub fn new(id: &str, label: &str, unit: &str, summary: Summary) -> Self {
        Self {
            id: id.into(),
            label: label.into(),
            unit: unit.into(),
            summary,
            x_floor_1hop: None,
            x_floor_2hop: None,
            target: None,
            verdict: None,
            note: None,
        }
    }

    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Ratios to the floors and the verdict against the target.
    pub fn judge(&mut self, floor_1hop_ms: f64, floor_2hop_ms: f64, floor_throughput: f64) {
        let p50 = self.summary.p50;
        match self.unit.as_str() {
            "ms" => {
                self.x_floor_1hop = Some(p50 / floor_1hop_ms);
                self.x_floor_2hop = Some(p50 / floor_2hop_ms);
            }
            // Records move in batches: records/s over the floor's round
            // trips/s says how many records one loopback round trip carries.
            "invokes/s" | "records/s" => self.x_floor_2hop = Some(p50 / floor_throughput),
            _ => {}
        }
        let Some(t) = &self.target else { return };
        if !p50.is_finite() {
            self.verdict = Some("not measured".into());
            return;
        }
        let absolute = if t.higher_is_better {
            p50 >= t.absolute
        } else {
            p50 <= t.absolute
        };
        let relative = t.relative.map(|(factor, floor)| {
            let base = match floor {
                Floor::OneHop => floor_1hop_ms,
                Floor::TwoHop => floor_2hop_ms,
            };
            p50 <= factor * base
        });
        self.verdict = Some(
            match (absolute, relative) {
                (true, None | Some(true)) => "met",
                (false, None | Some(false)) => "MISSED",
                (true, Some(false)) => "met (absolute); missed (× floor)",
                (false, Some(true)) => "MISSED (absolute); met (× floor)",
            }
            .into(),
        );
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: usize,
    pub memory_mib: u64,
    pub kernel: String,
    pub os: String,
    pub loadavg_at_start: String,
    pub loadavg_at_end: String,
    /// `/proc/pressure/cpu` (`some` line): other work competing for the CPU.
    pub cpu_pressure_at_start: String,
    pub cpu_pressure_at_end: String,
    pub docker_engine: Option<String>,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

pub fn cpu_pressure() -> String {
    read("/proc/pressure/cpu")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

pub fn loadavg() -> String {
    read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Machine {
    pub fn probe() -> Self {
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        let memory_mib = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kib| kib / 1024)
            .unwrap_or_default();
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_default();
        Self {
            cpu_model,
            cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            memory_mib,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            os,
            loadavg_at_start: loadavg(),
            cpu_pressure_at_start: cpu_pressure(),
            ..Default::default()
        }
    }
}

/// `date -u` now, ISO 8601.
pub fn utc_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn number(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    match unit {
        "invokes/s" => format!("{v:.0}"),
        "MiB" => format!("{v:.1}"),
        _ if v < 1.0 => format!("{v:.3}"),
        _ if v < 10.0 => format!("{v:.2}"),
        _ if v < 100.0 => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    }
}

fn ratio(v: Option<f64>) -> String {
    match v {
        Some(r) if r.is_finite() && r < 10.0 => format!("{r:.2}×"),
        Some(r) if r.is_finite() => format!("{r:.0}×"),
        _ => String::new(),
    }
}

/// The figures as a Markdown table.
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from(
        "| figure | unit | p50 | p99 | n | × 1-hop floor | × 2-hop floor | target (issue 6) | verdict |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n",
    );
    for f in figures {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            f.label,
            f.unit,
            number(f.summary.p50, &f.unit),
            number(f.summary.p99, &f.unit),
            f.summary.n,
            ratio(f.x_floor_1hop),
            ratio(f.x_floor_2hop),
            f.target.as_ref().map(|t| t.text.as_str()).unwrap_or(""),
            f.verdict.as_deref().unwrap_or(""),
        ));
    }
    out
}
