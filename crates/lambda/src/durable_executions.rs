//! The durable-execution operations as `LambdaService` offers them; the
//! behaviour is `laminar-durable`'s.

use crate::{ApiResult, LambdaService};
use laminar_durable::{
    CheckpointRequest, ListDurableExecutionsOutput, ListDurableExecutionsQuery, PauseResumeRequest,
};
use laminar_model::arn::Scope;
use serde_json::Value;

impl LambdaService {
    pub fn get_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        include_execution_data: Option<&str>,
    ) -> ApiResult<Value> {
        self.inner
            .durable
            .get_durable_execution(scope, arn, include_execution_data)
    }

    pub fn get_durable_execution_history(
        &self,
        scope: &Scope,
        arn: &str,
        include_execution_data: Option<&str>,
        reverse_order: Option<&str>,
        max_items: Option<&str>,
        marker: Option<&str>,
    ) -> ApiResult<Value> {
        self.inner.durable.get_durable_execution_history(
            scope,
            arn,
            include_execution_data,
            reverse_order,
            max_items,
            marker,
        )
    }

    pub fn get_durable_execution_state(
        &self,
        scope: &Scope,
        arn: &str,
        checkpoint_token: Option<&str>,
        max_items: Option<&str>,
        marker: Option<&str>,
    ) -> ApiResult<Value> {
        self.inner.durable.get_durable_execution_state(
            scope,
            arn,
            checkpoint_token,
            max_items,
            marker,
        )
    }

    pub fn checkpoint_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: CheckpointRequest,
    ) -> ApiResult<Value> {
        self.inner
            .durable
            .checkpoint_durable_execution(scope, arn, request)
    }

    pub fn pause_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: PauseResumeRequest,
    ) -> ApiResult<Value> {
        self.inner
            .durable
            .pause_durable_execution(scope, arn, request)
    }

    pub fn resume_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: PauseResumeRequest,
    ) -> ApiResult<Value> {
        self.inner
            .durable
            .resume_durable_execution(scope, arn, request)
    }

    pub fn stop_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        error: Option<Value>,
    ) -> ApiResult<Value> {
        self.inner.durable.stop_durable_execution(scope, arn, error)
    }

    pub fn delete_durable_execution(&self, scope: &Scope, arn: &str) -> ApiResult<Value> {
        self.inner.durable.delete_durable_execution(scope, arn)
    }

    pub fn send_durable_execution_callback_success(
        &self,
        scope: &Scope,
        callback_id: &str,
        result: &[u8],
    ) -> ApiResult<Value> {
        self.inner
            .durable
            .send_durable_execution_callback_success(scope, callback_id, result)
    }

    pub fn send_durable_execution_callback_failure(
        &self,
        scope: &Scope,
        callback_id: &str,
        error: Option<Value>,
    ) -> ApiResult<Value> {
        self.inner
            .durable
            .send_durable_execution_callback_failure(scope, callback_id, error)
    }

    pub fn send_durable_execution_callback_heartbeat(
        &self,
        scope: &Scope,
        callback_id: &str,
    ) -> ApiResult<Value> {
        self.inner
            .durable
            .send_durable_execution_callback_heartbeat(scope, callback_id)
    }

    pub fn list_durable_executions_by_function(
        &self,
        scope: &Scope,
        function_name: &str,
        query: ListDurableExecutionsQuery,
    ) -> ApiResult<ListDurableExecutionsOutput> {
        self.inner
            .durable
            .list_durable_executions_by_function(scope, function_name, query)
    }
}
