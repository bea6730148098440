//! `DestinationConfig.OnFailure` of a stream mapping: the record of a batch
//! that was given up, sent to an SQS queue or SNS topic, or written to an S3 bucket as
//! AWS does (the key `aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/
//! YYYY-MM-DDTHH.MM.SS-<random UUID>`, the body the record plus the whole
//! invocation payload).

use crate::source::SourceRecord as Record;
use crate::window::iso;
use crate::EventSources;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// What a given-up batch's record says.
pub(crate) struct Failure<'a> {
    pub uuid: &'a str,
    pub function_arn: &'a str,
    pub shard_id: &'a str,
    pub stream_arn: &'a str,
    pub condition: &'a str,
    pub attempts: i64,
    pub part: &'a [Record],
    /// `KinesisBatchInfo` or `DDBStreamBatchInfo`.
    pub batch_info: &'static str,
    /// The event the function was given, for S3 destinations.
    pub payload: Value,
}

impl Failure<'_> {
    /// AWS's invocation record for a stream batch.
    fn record(&self, now_ms: i64) -> Option<Value> {
        let (first, last) = (self.part.first()?, self.part.last()?);
        let mut record = json!({
            "requestContext": {
                "requestId": uuid::Uuid::new_v4().to_string(),
                "functionArn": self.function_arn,
                "condition": self.condition,
                "approximateInvokeCount": self.attempts.max(1),
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": iso(now_ms),
        });
        record[self.batch_info] = json!({
                "shardId": self.shard_id,
                "startSequenceNumber": first.sequence_number,
                "endSequenceNumber": last.sequence_number,
                "approximateArrivalOfFirstRecord": iso(first.arrival_ms),
                "approximateArrivalOfLastRecord": iso(last.arrival_ms),
                "batchSize": self.part.len(),
                "streamArn": self.stream_arn,
        });
        Some(record)
    }
}

/// Sends the failure record to `destination` (an SQS queue, SNS topic or S3 bucket ARN).
pub(crate) async fn send(service: &EventSources, destination: &str, failure: Failure<'_>) {
    let now = Utc::now();
    let Some(mut record) = failure.record(now.timestamp_millis()) else {
        return;
    };
    let service_name = destination.split(':').nth(2).unwrap_or_default();
    if service_name == "s3" {
        let bucket = destination
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string();
        let key = s3_key(failure.uuid, failure.shard_id, now);
        record["payload"] = failure.payload;
        let s3 = service.s3.clone();
        let body = record.to_string().into_bytes();
        let put = tokio::task::spawn_blocking(move || {
            s3.put_object(&bucket, &key, &body, Default::default())
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        if let Err(e) = put {
            tracing::warn!(destination, error = %e, "the OnFailure record could not be written");
        }
        return;
    }
    if let Err(e) = service
        .send_on_failure(destination, record.to_string())
        .await
    {
        tracing::warn!(destination, error = %e, "the OnFailure record could not be sent");
    }
}

/// `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`.
fn s3_key(uuid: &str, shard_id: &str, at: DateTime<Utc>) -> String {
    format!(
        "aws/lambda/{uuid}/{shard_id}/{}/{}-{}",
        at.format("%Y/%m/%d"),
        at.format("%Y-%m-%dT%H.%M.%S"),
        uuid::Uuid::new_v4()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s3_key_is_laid_out_as_aws_documents() {
        let at = DateTime::from_timestamp_millis(1_700_000_000_123).unwrap_or_default();
        let key = s3_key("u-1", "shardId-000000000000", at);
        let (head, random) = key.split_at(key.len() - 36);
        assert_eq!(
            head,
            "aws/lambda/u-1/shardId-000000000000/2023/11/14/2023-11-14T22.13.20-"
        );
        assert!(uuid::Uuid::parse_str(random).is_ok());
    }
}
