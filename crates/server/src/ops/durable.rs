//! Durable executions: reads, checkpoints, pause/resume/stop and callbacks.

use super::handler::{Ctx, OpResult};
use laminar_lambda::{CheckpointRequest, PauseResumeRequest};
use laminar_model::input;
use serde_json::Value;

pub fn get_durable_execution(ctx: Ctx, input: input::GetDurableExecution) -> OpResult {
    let (arn, include) = (&input.durable_execution_arn, input.include_execution_data);
    ctx.json(
        &ctx.service
            .durable_executions()
            .get_durable_execution(&ctx.scope, arn, include)?,
    )
}

pub fn get_durable_execution_history(
    ctx: Ctx,
    input: input::GetDurableExecutionHistory,
) -> OpResult {
    let out = ctx
        .service
        .durable_executions()
        .get_durable_execution_history(
            &ctx.scope,
            &input.durable_execution_arn,
            input.include_execution_data,
            input.reverse_order,
            input.max_items,
            input.marker.as_deref(),
        )?;
    ctx.json(&out)
}

pub fn get_durable_execution_state(ctx: Ctx, input: input::GetDurableExecutionState) -> OpResult {
    let out = ctx
        .service
        .durable_executions()
        .get_durable_execution_state(
            &ctx.scope,
            &input.durable_execution_arn,
            &input.checkpoint_token,
            input.max_items,
            input.marker.as_deref(),
        )?;
    ctx.json(&out)
}

pub fn checkpoint_durable_execution(
    ctx: Ctx,
    input: input::CheckpointDurableExecution<CheckpointRequest>,
) -> OpResult {
    let arn = &input.durable_execution_arn;
    ctx.json(
        &ctx.service
            .durable_executions()
            .checkpoint_durable_execution(&ctx.scope, arn, input.body)?,
    )
}

pub fn pause_durable_execution(
    ctx: Ctx,
    input: input::PauseDurableExecution<PauseResumeRequest>,
) -> OpResult {
    let arn = &input.durable_execution_arn;
    ctx.json(
        &ctx.service
            .durable_executions()
            .pause_durable_execution(&ctx.scope, arn, input.body)?,
    )
}

pub fn resume_durable_execution(
    ctx: Ctx,
    input: input::ResumeDurableExecution<PauseResumeRequest>,
) -> OpResult {
    let arn = &input.durable_execution_arn;
    ctx.json(
        &ctx.service
            .durable_executions()
            .resume_durable_execution(&ctx.scope, arn, input.body)?,
    )
}

pub fn stop_durable_execution(ctx: Ctx, input: input::StopDurableExecution<Value>) -> OpResult {
    let arn = &input.durable_execution_arn;
    ctx.json(&ctx.service.durable_executions().stop_durable_execution(
        &ctx.scope,
        arn,
        input.error,
    )?)
}

pub fn delete_durable_execution(ctx: Ctx, input: input::DeleteDurableExecution) -> OpResult {
    ctx.json(
        &ctx.service
            .durable_executions()
            .delete_durable_execution(&ctx.scope, &input.durable_execution_arn)?,
    )
}

pub fn send_durable_execution_callback_success(
    ctx: Ctx,
    input: input::SendDurableExecutionCallbackSuccess,
) -> OpResult {
    let (id, result) = (&input.callback_id, &input.result);
    ctx.json(
        &ctx.service
            .durable_executions()
            .send_durable_execution_callback_success(&ctx.scope, id, result)?,
    )
}

pub fn send_durable_execution_callback_failure(
    ctx: Ctx,
    input: input::SendDurableExecutionCallbackFailure<Value>,
) -> OpResult {
    let id = &input.callback_id;
    ctx.json(
        &ctx.service
            .durable_executions()
            .send_durable_execution_callback_failure(&ctx.scope, id, input.error)?,
    )
}

pub fn send_durable_execution_callback_heartbeat(
    ctx: Ctx,
    input: input::SendDurableExecutionCallbackHeartbeat,
) -> OpResult {
    let id = &input.callback_id;
    ctx.json(
        &ctx.service
            .durable_executions()
            .send_durable_execution_callback_heartbeat(&ctx.scope, id)?,
    )
}

pub fn list_durable_executions_by_function(
    ctx: Ctx,
    input: input::ListDurableExecutionsByFunction,
) -> OpResult {
    ctx.json(
        &ctx.service
            .durable_executions()
            .list_durable_executions_by_function(&ctx.scope, input)?,
    )
}
