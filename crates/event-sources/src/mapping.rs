//! An event source mapping as stored, and what its settings say about
//! polling (batch size, window, concurrency, filters).

use crate::filter::Pattern;
use laminar_model::arn::Scope;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One mapping, as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Mapping {
    pub uuid: String,
    pub function_arn: String,
    pub event_source_arn: Option<String>,
    pub enabled: bool,
    pub state_transition_reason: String,
    pub last_modified: f64,
    /// The request's other members as given (BatchSize, FilterCriteria, …)
    /// with the defaults of the source's kind filled in.
    pub settings: Map<String, Value>,
    #[serde(default)]
    pub tags: laminar_lambda_core::tags::Tags,
}

impl laminar_lambda_core::tags::Tagged for Mapping {
    fn tags(&self) -> &laminar_lambda_core::tags::Tags {
        &self.tags
    }
    fn tags_mut(&mut self) -> &mut laminar_lambda_core::tags::Tags {
        &mut self.tags
    }
}

/// What kind of source a mapping reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Sqs,
    Stream,
    Kafka,
    Other,
}

pub fn kind_of(arn: Option<&str>) -> SourceKind {
    let service = arn.and_then(|a| a.split(':').nth(2)).unwrap_or_default();
    match service {
        "sqs" => SourceKind::Sqs,
        "kinesis" | "dynamodb" => SourceKind::Stream,
        "kafka" | "" => SourceKind::Kafka,
        _ => SourceKind::Other,
    }
}

impl Mapping {
    pub fn batch_size(&self) -> usize {
        self.settings
            .get("BatchSize")
            .and_then(Value::as_u64)
            .unwrap_or(10)
            .clamp(1, 10_000) as usize
    }

    pub fn batching_window_secs(&self) -> u64 {
        self.settings
            .get("MaximumBatchingWindowInSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    pub fn maximum_concurrency(&self) -> Option<usize> {
        self.settings
            .get("ScalingConfig")
            .and_then(|s| s.get("MaximumConcurrency"))
            .and_then(Value::as_u64)
            .map(|n| n as usize)
    }

    pub fn reports_item_failures(&self) -> bool {
        self.settings
            .get("FunctionResponseTypes")
            .and_then(Value::as_array)
            .is_some_and(|types| types.iter().any(|t| t == "ReportBatchItemFailures"))
    }

    /// The mapping's filters (none: every record passes).
    pub fn patterns(&self) -> Vec<Pattern> {
        filters_of(&self.settings)
            .iter()
            .filter_map(|p| Pattern::parse(p).ok())
            .collect()
    }

    pub fn state(&self) -> &'static str {
        if self.enabled {
            "Enabled"
        } else {
            "Disabled"
        }
    }

    pub fn arn(&self, scope: &Scope) -> String {
        format!(
            "arn:aws:lambda:{}:{}:event-source-mapping:{}",
            scope.region, scope.account, self.uuid
        )
    }
}

pub fn filters_of(settings: &Map<String, Value>) -> Vec<&str> {
    settings
        .get("FilterCriteria")
        .and_then(|f| f.get("Filters"))
        .and_then(Value::as_array)
        .map(|filters| {
            filters
                .iter()
                .filter_map(|f| f.get("Pattern").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}
