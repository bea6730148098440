//! Durable executions. Invoking a function that has a `DurableConfig`
//! starts one (`start`); a driver task (`driver`) invokes the function
//! through the [`laminar_invoke::Invoker`] with the durable invocation
//! envelope and re-invokes it when what it waits for is done; the
//! function's SDK checkpoints operations (CheckpointDurableExecution), which
//! `record` turns into operations and history events; `table` keeps every
//! execution in the store; `api` holds the API operations, scoped by the
//! caller's account and region like every other resource.
//!
//! Depends on the invoke path and the shared core, never on the control
//! plane (`laminar-lambda`).

mod api;
mod driver;
mod input;
mod record;
mod start;
mod status;
mod table;
mod tokens;

pub use input::{
    config_response, CallbackOptions, ChainedInvokeOptions, CheckpointRequest,
    DurableExecutionSummary, ListDurableExecutionsOutput, OperationUpdate, PauseResumeRequest,
    StepOptions, WaitOptions,
};
pub use status::{ExecutionStatus, OperationStatus};

use laminar_invoke::Invoker;
use laminar_lambda_core::ApiResult;
use laminar_store::Store;
use std::sync::Arc;

/// The durable executions of one laminar and what drives them.
pub struct DurableExecutions {
    table: Arc<table::Executions>,
    invoker: Arc<Invoker>,
}

impl DurableExecutions {
    /// Loads the stored executions; [`Self::resume`] restarts the drivers
    /// of those a previous run left unfinished.
    pub fn load(store: Arc<Store>, invoker: Arc<Invoker>) -> ApiResult<Arc<Self>> {
        Ok(Arc::new(Self {
            table: Arc::new(table::Executions::load(store)?),
            invoker,
        }))
    }
}
