//! An invoke request checked and resolved to the version that will run.

use crate::{ApiResult, Invoker};
use base64::Engine;
use bytes::Bytes;
use laminar_lambda_core::naming::resolve_name;
use laminar_lambda_core::resolve::{resolve, Resolved, Routing};
use laminar_model::arn::Scope;
use laminar_model::config::{FunctionConfiguration, FunctionState};
use laminar_model::limits::{ASYNC_PAYLOAD_MAX_BYTES, SYNC_PAYLOAD_MAX_BYTES};
use laminar_model::{ApiError, ErrorKind};

pub use laminar_model::enums::{InvocationType, LogType};

/// An Invoke request as the gateway decoded it.
#[derive(Debug, Default)]
pub struct InvokeInput {
    pub function_name: String,
    pub qualifier: Option<String>,
    /// `RequestResponse` when absent.
    pub invocation_type: Option<InvocationType>,
    pub log_type: Option<LogType>,
    /// Base64 of a JSON document (`X-Amz-Client-Context`).
    pub client_context: Option<String>,
    pub payload: Bytes,
    /// `X-Amz-Durable-Execution-Name` (durable functions only).
    pub durable_execution_name: Option<String>,
    /// The id the caller answers with (`x-amzn-RequestId`): AWS gives the
    /// invocation the same one. `None`: a new id per run.
    pub request_id: Option<String>,
    /// `X-Amz-Tenant-Id`: required by (and only accepted by) a function in
    /// tenant isolation mode.
    pub tenant_id: Option<String>,
}

#[derive(Debug)]
pub struct InvokeOutput {
    pub status: u16,
    /// `X-Amz-Function-Error`.
    pub function_error: Option<&'static str>,
    /// `X-Amz-Log-Result`: base64 of the log's last 4 KB.
    pub log_result: Option<String>,
    pub executed_version: Option<String>,
    pub payload: Bytes,
    /// `X-Amz-Durable-Execution-Arn`: the execution an invoke of a durable
    /// function started (or found by its name).
    pub durable_execution_arn: Option<String>,
}

/// A validated invocation, ready to run.
pub struct Prepared {
    pub resolved: Resolved,
    /// The qualifier the caller gave (in the name or as a parameter).
    pub qualifier: Option<String>,
    /// Set when the request id is already known (retries of an
    /// asynchronous invocation keep theirs); otherwise a new one.
    pub request_id: Option<String>,
    /// The caller wants the log tail: wait for all of the output.
    pub tail_logs: bool,
    pub(crate) invoked_arn: String,
    pub payload: Bytes,
    pub(crate) client_context: Option<String>,
    /// The tenant whose environments run it (tenant isolation mode).
    pub tenant_id: Option<String>,
}

impl Prepared {
    /// Whether the qualifier invoked (an alias or a version) has provisioned
    /// concurrency configured: its environments start as provisioned ones.
    pub fn provisioned(&self) -> bool {
        self.qualifier
            .as_ref()
            .is_some_and(|q| self.resolved.record.provisioned_concurrency.contains_key(q))
    }
}

fn decode_client_context(encoded: &str) -> ApiResult<String> {
    const MAX: usize = 3583;
    let invalid = || {
        ApiError::new(
            ErrorKind::InvalidRequestContent,
            "Client context must be a valid Base64-encoded JSON object.",
        )
    };
    if encoded.len() > MAX {
        return Err(ApiError::new(
            ErrorKind::Validation,
            format!("1 validation error detected: Value at 'clientContext' failed to satisfy constraint: Member must have length less than or equal to {MAX}"),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(invalid)?;
    Ok(text)
}

impl Invoker {
    /// Checks an invoke request and resolves the version that will run.
    pub fn prepare(
        &self,
        scope: &Scope,
        input: InvokeInput,
    ) -> ApiResult<(InvocationType, Prepared)> {
        let invocation_type = input
            .invocation_type
            .unwrap_or(InvocationType::RequestResponse);
        let tail_logs = input.log_type == Some(LogType::Tail);
        let reference = resolve_name(scope, &input.function_name)?
            .with_qualifier_param(input.qualifier.as_deref())?;
        let resolved = resolve(&self.registry, scope, &reference, Routing::Draw)?;
        check_invocable(resolved.config())?;
        laminar_model::tenancy::check_invoke(resolved.config(), input.tenant_id.as_deref())?;
        let (limit, operation) = match invocation_type {
            InvocationType::Event => (ASYNC_PAYLOAD_MAX_BYTES, "InvokeAsync"),
            _ => (SYNC_PAYLOAD_MAX_BYTES, "InvokeFunction"),
        };
        if input.payload.len() > limit {
            return Err(ApiError::new(
                ErrorKind::RequestTooLarge,
                format!("Request must be smaller than {limit} bytes for the {operation} operation"),
            ));
        }
        let payload = if input.payload.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&input.payload) {
                return Err(ApiError::new(
                    ErrorKind::InvalidRequestContent,
                    format!("Could not parse request body into json: Could not parse payload into json: {e}"),
                ));
            }
            input.payload
        };
        let client_context = input
            .client_context
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_client_context)
            .transpose()?;
        let invoked_arn = resolved.record.arn_for(reference.qualifier.as_ref());
        let prepared = Prepared {
            qualifier: reference.qualifier.as_ref().map(ToString::to_string),
            request_id: input.request_id,
            resolved,
            tail_logs,
            invoked_arn,
            payload,
            client_context,
            tenant_id: input.tenant_id,
        };
        Ok((invocation_type, prepared))
    }
}

/// Only an `Active` function runs.
fn check_invocable(c: &FunctionConfiguration) -> ApiResult<()> {
    match c.state {
        FunctionState::Active => Ok(()),
        FunctionState::Failed => Err(ApiError::new(
            ErrorKind::ResourceConflict,
            format!(
                "The function could not be invoked because it is in the Failed state: {}",
                c.state_reason.as_deref().unwrap_or("unknown reason")
            ),
        )),
        other => Err(ApiError::new(
            ErrorKind::ResourceConflict,
            format!("The operation cannot be performed at this time. The function is currently in the following state: {other}"),
        )),
    }
}
