//! The durable-execution operations as `LambdaService` offers them; the
//! behaviour is `laminar-durable`'s.

use crate::{ApiResult, LambdaService};
use laminar_durable::{
    CheckpointRequest, ListDurableExecutionsOutput, ListDurableExecutionsQuery, PauseResumeRequest,
};
use laminar_model::arn::Scope;
use serde_json::Value;

impl LambdaService {
    delegate! { durable =>
        fn get_durable_execution(&self, scope: &Scope, arn: &str, include_execution_data: Option<&str>) -> ApiResult<Value>;
        fn get_durable_execution_history(&self, scope: &Scope, arn: &str, include_execution_data: Option<&str>, reverse_order: Option<&str>, max_items: Option<&str>, marker: Option<&str>) -> ApiResult<Value>;
        fn get_durable_execution_state(&self, scope: &Scope, arn: &str, checkpoint_token: Option<&str>, max_items: Option<&str>, marker: Option<&str>) -> ApiResult<Value>;
        fn checkpoint_durable_execution(&self, scope: &Scope, arn: &str, request: CheckpointRequest) -> ApiResult<Value>;
        fn pause_durable_execution(&self, scope: &Scope, arn: &str, request: PauseResumeRequest) -> ApiResult<Value>;
        fn resume_durable_execution(&self, scope: &Scope, arn: &str, request: PauseResumeRequest) -> ApiResult<Value>;
        fn stop_durable_execution(&self, scope: &Scope, arn: &str, error: Option<Value>) -> ApiResult<Value>;
        fn delete_durable_execution(&self, scope: &Scope, arn: &str) -> ApiResult<Value>;
        fn send_durable_execution_callback_success(&self, scope: &Scope, callback_id: &str, result: &[u8]) -> ApiResult<Value>;
        fn send_durable_execution_callback_failure(&self, scope: &Scope, callback_id: &str, error: Option<Value>) -> ApiResult<Value>;
        fn send_durable_execution_callback_heartbeat(&self, scope: &Scope, callback_id: &str) -> ApiResult<Value>;
        fn list_durable_executions_by_function(&self, scope: &Scope, function_name: &str, query: ListDurableExecutionsQuery) -> ApiResult<ListDurableExecutionsOutput>;
    }
}
