//! Event source mappings: the five operations; the pollers that feed SQS
//! messages to functions are `laminar-event-sources`'. Other kinds of source (Kinesis, DynamoDB,
//! Kafka, MQ, DocumentDB) are validated and stored; laminar has no such
//! services to read from.

use crate::naming::resolve_name;
use crate::objects::EVENT_SOURCE_MAPPING;
use crate::page::LAMBDA;
use crate::resolve::{resolve, Routing};
use crate::{clock, ApiResult, LambdaService};
use laminar_event_sources::filter::Pattern;
use laminar_event_sources::{filters_of, kind_of, Mapping, SourceKind};
use laminar_model::arn::Scope;
use laminar_model::{ApiError, ErrorKind};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Request members that only the service sets or that are not settings.
const NOT_SETTINGS: [&str; 4] = ["FunctionName", "Enabled", "Tags", "UUID"];

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListEventSourceMappingsOutput {
    pub event_source_mappings: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        "The resource you requested does not exist.",
    )
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(message)
}

impl LambdaService {
    fn render_mapping(&self, scope: &Scope, mapping: &Mapping, state: &str) -> Value {
        let mut out = mapping.settings.clone();
        out.insert("UUID".into(), json!(mapping.uuid));
        out.insert("FunctionArn".into(), json!(mapping.function_arn));
        if let Some(arn) = &mapping.event_source_arn {
            out.insert("EventSourceArn".into(), json!(arn));
        }
        out.insert("EventSourceMappingArn".into(), json!(mapping.arn(scope)));
        out.insert("LastModified".into(), json!(mapping.last_modified));
        out.insert("State".into(), json!(state));
        out.insert(
            "StateTransitionReason".into(),
            json!(mapping.state_transition_reason),
        );
        out.insert(
            "LastProcessingResult".into(),
            json!(self.inner.event_sources.last_result(&mapping.uuid)),
        );
        Value::Object(out)
    }

    /// The function a mapping invokes, as an ARN (qualified when asked).
    fn mapping_target(&self, scope: &Scope, function_name: &str) -> ApiResult<String> {
        let reference = resolve_name(scope, function_name)?;
        let resolved = resolve(&self.inner.registry, scope, &reference, Routing::Primary)?;
        laminar_model::tenancy::refuse_feature(resolved.config(), "Event source mapping")?;
        Ok(resolved.record.arn_for(reference.qualifier.as_ref()))
    }

    /// In the enforcing mode the function's execution role must be allowed
    /// to read the source, as Lambda checks it on CreateEventSourceMapping.
    fn check_role_may_read(
        &self,
        scope: &Scope,
        function: &str,
        kind: SourceKind,
        source: &str,
    ) -> ApiResult<()> {
        let reference = resolve_name(scope, function)?;
        let resolved = resolve(&self.inner.registry, scope, &reference, Routing::Primary)?;
        let role = resolved.config().role.clone();
        let iam = &self.inner.companions.iam;
        let allows = |action: &str| {
            iam.role_allows(&role, action, source)
                .map_err(|e| ApiError::service(e.to_string()))
                // A role IAM does not hold was refused at CreateFunction.
                .map(|allowed| allowed.unwrap_or(false))
        };
        let service = source.split(':').nth(2).unwrap_or_default();
        match kind {
            SourceKind::Sqs => {
                for action in ["ReceiveMessage", "DeleteMessage", "GetQueueAttributes"] {
                    if !allows(&format!("sqs:{action}"))? {
                        return Err(invalid(format!(
                            "The function execution role does not have permissions to call {action} on SQS"
                        )));
                    }
                }
            }
            SourceKind::Stream => {
                for action in [
                    "GetRecords",
                    "GetShardIterator",
                    "DescribeStream",
                    "ListStreams",
                ] {
                    if !allows(&format!("{service}:{action}"))? {
                        return Err(invalid(format!(
                            "Cannot access stream {source}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM."
                        )));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A queue must hide a message for at least as long as the function may
    /// run on it, or a second batch would get it while the first still runs.
    fn check_visibility_covers_timeout(
        &self,
        scope: &Scope,
        queue_arn: &str,
        function: &str,
    ) -> ApiResult<()> {
        let reference = resolve_name(scope, function)?;
        let resolved = resolve(&self.inner.registry, scope, &reference, Routing::Primary)?;
        let timeout = resolved.config().timeout;
        let visibility = self
            .inner
            .companions
            .sqs
            .attributes_of_arn(queue_arn)
            .and_then(|a| a.get("VisibilityTimeout")?.parse::<i64>().ok());
        match visibility {
            Some(visibility) if visibility < timeout => Err(invalid(format!(
                "Queue visibility timeout: {visibility} seconds is less than Function timeout: {timeout} seconds"
            ))),
            _ => Ok(()),
        }
    }

    /// Checks the settings a request writes against the source's kind.
    fn check_settings(
        &self,
        kind: SourceKind,
        source: Option<&str>,
        settings: &Map<String, Value>,
    ) -> ApiResult<()> {
        for pattern in filters_of(settings) {
            if Pattern::parse(pattern).is_err() {
                return Err(invalid("Invalid filter pattern definition."));
            }
        }
        if kind == SourceKind::Stream {
            return check_stream_settings(settings);
        }
        if kind != SourceKind::Sqs {
            return Ok(());
        }
        for member in [
            "StartingPosition",
            "StartingPositionTimestamp",
            "ParallelizationFactor",
            "MaximumRecordAgeInSeconds",
            "BisectBatchOnFunctionError",
            "MaximumRetryAttempts",
            "TumblingWindowInSeconds",
            "DestinationConfig",
            "Topics",
            "Queues",
            "SourceAccessConfigurations",
            "SelfManagedEventSource",
            "SelfManagedKafkaEventSourceConfig",
            "AmazonManagedKafkaEventSourceConfig",
            "DocumentDBEventSourceConfig",
        ] {
            if settings.contains_key(member) {
                return Err(invalid(format!(
                    "Unsupported parameter for SQS event source: {member}"
                )));
            }
        }
        let batch = settings
            .get("BatchSize")
            .and_then(Value::as_u64)
            .unwrap_or(10);
        let window = settings
            .get("MaximumBatchingWindowInSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let fifo = source.is_some_and(|arn| arn.ends_with(".fifo"));
        if fifo && batch > 10 {
            return Err(invalid(
                "Batch size must be between 1 and 10 for FIFO queues.",
            ));
        }
        if batch > 10 && window == 0 {
            return Err(invalid(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
            ));
        }
        if let Some(arn) = source {
            if self.inner.companions.sqs.attributes_of_arn(arn).is_none() {
                return Err(invalid(
                    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version.",
                ));
            }
        }
        Ok(())
    }

    /// A Kinesis stream (or its enhanced fan-out consumer), or a DynamoDB
    /// stream, must exist; AWS refuses the mapping otherwise.
    fn check_stream_exists(&self, source: &str) -> ApiResult<()> {
        if kind_of(Some(source)) != SourceKind::Stream {
            return Ok(());
        }
        if source.contains(":dynamodb:") {
            let dynamodb = &self.inner.companions.dynamodb;
            return match dynamodb.stream_shards(source) {
                Ok(_) => Ok(()),
                Err(_) => Err(invalid(format!("Stream not found: {source}"))),
            };
        }
        if !source.contains(":kinesis:") {
            return Ok(());
        }
        let kinesis = &self.inner.companions.kinesis;
        let found = if source.contains("/consumer/") {
            kinesis
                .describe_consumer(laminar_kinesis::types::ConsumerInput {
                    consumer_arn: Some(source.to_string()),
                    ..Default::default()
                })
                .is_ok()
        } else {
            kinesis.shards_of(source).is_ok()
        };
        if found {
            Ok(())
        } else {
            Err(invalid(format!("Stream not found: {source}")))
        }
    }

    pub fn create_event_source_mapping(
        &self,
        scope: &Scope,
        mut request: Map<String, Value>,
    ) -> ApiResult<Value> {
        // Kept as given, so only what the model names.
        laminar_model::constraints::conform("CreateEventSourceMapping", &mut request);
        let function_name = request
            .get("FunctionName")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("FunctionName is required."))?;
        let function_arn = self.mapping_target(scope, function_name)?;
        let source = request
            .get("EventSourceArn")
            .and_then(Value::as_str)
            .map(str::to_string);
        let kind = kind_of(source.as_deref());
        if source.is_none() && !request.contains_key("SelfManagedEventSource") {
            return Err(invalid(
                "Unrecognized event source, must be kinesis, dynamodb stream, sqs, msk, mq, documentdb or a self-managed Kafka cluster.",
            ));
        }
        let mut settings: Map<String, Value> = request
            .iter()
            .filter(|(k, _)| !NOT_SETTINGS.contains(&k.as_str()) && k.as_str() != "EventSourceArn")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let default_batch = if kind == SourceKind::Sqs { 10 } else { 100 };
        settings.entry("BatchSize").or_insert(json!(default_batch));
        if matches!(
            kind,
            SourceKind::Sqs | SourceKind::Stream | SourceKind::Kafka
        ) {
            settings
                .entry("MaximumBatchingWindowInSeconds")
                .or_insert(json!(0));
        }
        if kind == SourceKind::Stream {
            // What Lambda reports for a stream mapping given none of these.
            for (member, default) in [
                ("ParallelizationFactor", json!(1)),
                ("DestinationConfig", json!({"OnFailure": {}})),
                ("MaximumRecordAgeInSeconds", json!(-1)),
                ("BisectBatchOnFunctionError", json!(false)),
                ("MaximumRetryAttempts", json!(-1)),
                ("TumblingWindowInSeconds", json!(0)),
                ("FunctionResponseTypes", json!([])),
            ] {
                settings.entry(member).or_insert(default);
            }
        }
        self.check_settings(kind, source.as_deref(), &settings)?;
        if let (SourceKind::Sqs, Some(queue)) = (kind, source.as_deref()) {
            self.check_visibility_covers_timeout(scope, queue, &function_arn)?;
        }
        if let Some(source) = source.as_deref() {
            self.check_stream_exists(source)?;
            if self.inner.settings.require_known_roles {
                self.check_role_may_read(scope, &function_arn, kind, source)?;
            }
        }
        let tags: crate::tags::Tags = match request.get("Tags") {
            Some(tags) => serde_json::from_value(tags.clone())
                .map_err(|_| invalid("Tags must be a map of strings to strings."))?,
            None => Default::default(),
        };
        crate::checks::reserved_tags(Some(&tags))?;
        let enabled = request
            .get("Enabled")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let mapping = Mapping {
            uuid: uuid::Uuid::new_v4().to_string(),
            function_arn,
            event_source_arn: source,
            enabled,
            // AWS's words differ by kind: SQS says USER_INITIATED, streams "User action".
            state_transition_reason: if kind == SourceKind::Stream {
                "User action".into()
            } else {
                "USER_INITIATED".into()
            },
            last_modified: clock::now().timestamp_millis() as f64 / 1000.0,
            settings,
            tags,
        };
        {
            let mut objects = self.inner.objects.write();
            if let Some(source) = &mapping.event_source_arn {
                let existing = objects
                    .list::<Mapping>(EVENT_SOURCE_MAPPING, scope)
                    .into_iter()
                    .map(|(_, m)| m)
                    .find(|m| {
                        m.event_source_arn.as_deref() == Some(source.as_str())
                            && m.function_arn == mapping.function_arn
                    });
                if let Some(existing) = existing {
                    return Err(ApiError::new(
                        ErrorKind::ResourceConflict,
                        format!(
                            "An event source mapping with event source (\"{source}\") and function (\"{}\") already exists. Please update or delete the existing mapping with UUID {}",
                            mapping.function_arn, existing.uuid
                        ),
                    ));
                }
            }
            objects.put(EVENT_SOURCE_MAPPING, scope, &mapping.uuid, &mapping)?;
        }
        self.inner.event_sources.start(scope, &mapping);
        Ok(self.render_mapping(scope, &mapping, "Creating"))
    }

    fn stored_mapping(&self, scope: &Scope, uuid: &str) -> ApiResult<Mapping> {
        self.inner
            .objects
            .get::<Mapping>(EVENT_SOURCE_MAPPING, scope, uuid)
            .ok_or_else(not_found)
    }

    pub fn get_event_source_mapping(&self, scope: &Scope, uuid: &str) -> ApiResult<Value> {
        let mapping = self.stored_mapping(scope, uuid)?;
        Ok(self.render_mapping(scope, &mapping, mapping.state()))
    }

    pub fn update_event_source_mapping(
        &self,
        scope: &Scope,
        uuid: &str,
        mut request: Map<String, Value>,
    ) -> ApiResult<Value> {
        laminar_model::constraints::conform("UpdateEventSourceMapping", &mut request);
        let mut mapping = self.stored_mapping(scope, uuid)?;
        if let Some(name) = request.get("FunctionName").and_then(Value::as_str) {
            mapping.function_arn = self.mapping_target(scope, name)?;
        }
        let mut settings = mapping.settings.clone();
        for (key, value) in &request {
            if NOT_SETTINGS.contains(&key.as_str()) || key == "EventSourceArn" {
                continue;
            }
            settings.insert(key.clone(), value.clone());
        }
        let kind = kind_of(mapping.event_source_arn.as_deref());
        self.check_settings(kind, mapping.event_source_arn.as_deref(), &settings)?;
        if let (SourceKind::Sqs, Some(queue)) = (kind, mapping.event_source_arn.as_deref()) {
            self.check_visibility_covers_timeout(scope, queue, &mapping.function_arn)?;
        }
        mapping.settings = settings;
        let transition = match request.get("Enabled").and_then(Value::as_bool) {
            Some(true) if !mapping.enabled => "Enabling",
            Some(false) if mapping.enabled => "Disabling",
            _ => "Updating",
        };
        if let Some(enabled) = request.get("Enabled").and_then(Value::as_bool) {
            mapping.enabled = enabled;
        }
        mapping.last_modified = clock::now().timestamp_millis() as f64 / 1000.0;
        self.inner
            .objects
            .write()
            .put(EVENT_SOURCE_MAPPING, scope, uuid, &mapping)?;
        self.inner.event_sources.start(scope, &mapping);
        Ok(self.render_mapping(scope, &mapping, transition))
    }

    pub fn delete_event_source_mapping(&self, scope: &Scope, uuid: &str) -> ApiResult<Value> {
        let mapping = self.stored_mapping(scope, uuid)?;
        self.inner
            .objects
            .write()
            .remove(EVENT_SOURCE_MAPPING, scope, uuid)?;
        self.inner.event_sources.forget(uuid);
        Ok(self.render_mapping(scope, &mapping, "Deleting"))
    }

    pub fn list_event_source_mappings(
        &self,
        scope: &Scope,
        event_source_arn: Option<&str>,
        function_name: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListEventSourceMappingsOutput> {
        let function_arn = match function_name {
            Some(name) => {
                let reference = resolve_name(scope, name)?;
                Some(match &reference.qualifier {
                    Some(q) => format!("{}:{q}", scope.function_arn(&reference.name)),
                    None => scope.function_arn(&reference.name),
                })
            }
            None => None,
        };
        let all: Vec<Mapping> = self
            .inner
            .objects
            .list::<Mapping>(EVENT_SOURCE_MAPPING, scope)
            .into_iter()
            .map(|(_, m)| m)
            .filter(|m| {
                event_source_arn.is_none_or(|arn| m.event_source_arn.as_deref() == Some(arn))
            })
            .filter(|m| {
                function_arn
                    .as_ref()
                    .is_none_or(|arn| &m.function_arn == arn)
            })
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListEventSourceMappingsOutput {
            event_source_mappings: page
                .items
                .into_iter()
                .map(|m| self.render_mapping(scope, m, m.state()))
                .collect(),
            next_marker: page.next_marker,
        })
    }

    /// Starts the pollers of every stored, enabled mapping (at start-up).
    pub(crate) fn start_event_sources(&self) {
        for (key, mapping) in self.inner.objects.list_all::<Mapping>(EVENT_SOURCE_MAPPING) {
            let scope = Scope {
                account: key.account,
                region: key.region,
            };
            self.inner.event_sources.start(&scope, &mapping);
        }
    }
}

/// What AWS checks of a stream mapping's settings beyond the model: a
/// position is required, a timestamp only with AT_TIMESTAMP, and a record
/// age of at least a minute.
fn check_stream_settings(settings: &Map<String, Value>) -> ApiResult<()> {
    let position = settings.get("StartingPosition").and_then(Value::as_str);
    let Some(position) = position else {
        return Err(invalid(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.",
        ));
    };
    if settings.contains_key("StartingPositionTimestamp") && position != "AT_TIMESTAMP" {
        return Err(invalid(
            "Timestamp only valid with StartingPosition AT_TIMESTAMP",
        ));
    }
    // The model allows -1..604800; Lambda takes -1 or 60 and more.
    let age = settings
        .get("MaximumRecordAgeInSeconds")
        .and_then(Value::as_i64);
    if age.is_some_and(|age| (0..60).contains(&age)) {
        return Err(invalid(
            "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)",
        ));
    }
    Ok(())
}
